/// `cilium.io/v2alpha1 CiliumEndpointSlice`: a batch of `CoreCiliumEndpoint`s of one namespace.
public struct CiliumEndpointSlice: Sendable, Equatable, Decodable {
    public struct CoreEndpoint: Sendable, Equatable, Decodable {
        public var name: String?
        /// Numeric security identity.
        public var id: Int64?
        public var networking: EndpointNetworking?
        public var encryption: EndpointEncryption?
        /// `endpoints[].service-account` (1.19+ exports it as `K8sServiceAccount`).
        public var serviceAccount: String?

        public init(
            name: String?, id: Int64?, networking: EndpointNetworking?, encryption: EndpointEncryption? = nil,
            serviceAccount: String? = nil
        ) {
            self.name = name
            self.id = id
            self.networking = networking
            self.encryption = encryption
            self.serviceAccount = serviceAccount
        }

        enum CodingKeys: String, CodingKey {
            case name, id, networking, encryption
            case serviceAccount = "service-account"
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
