/// `cilium.io/v2alpha1 CiliumEndpointSlice`: a batch of `CoreCiliumEndpoint`s of one namespace.
public struct CiliumEndpointSlice: Sendable, Equatable, Decodable {
    public struct CoreEndpoint: Sendable, Equatable, Decodable {
        public var name: String?
        /// Numeric security identity.
        public var id: Int64?
        public var networking: EndpointNetworking?
        public var encryption: EndpointEncryption?

        public init(name: String?, id: Int64?, networking: EndpointNetworking?, encryption: EndpointEncryption? = nil) {
            self.name = name
            self.id = id
            self.networking = networking
            self.encryption = encryption
        }
    }

    public var metadata: KubeObjectMeta
    /// Namespace of the endpoints (the slice itself is cluster-scoped).
    public var namespace: String?
    public var endpoints: [CoreEndpoint]?

    public init(metadata: KubeObjectMeta, namespace: String?, endpoints: [CoreEndpoint]?) {
        self.metadata = metadata
        self.namespace = namespace
        self.endpoints = endpoints
    }
}
