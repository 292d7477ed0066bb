/// `discovery.k8s.io/v1 EndpointSlice`; belongs to the Service named by the label
/// `kubernetes.io/service-name` in the same namespace.
public struct KubeEndpointSlice: Sendable, Equatable, Decodable {
    public static let serviceNameLabel = "kubernetes.io/service-name"

    public struct Conditions: Sendable, Equatable, Decodable {
        /// nil means unknown, read as ready.
        public var ready: Bool?
        /// nil means unknown, read as serving.
        public var serving: Bool?
        public var terminating: Bool?

        public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
            self.ready = ready
            self.serving = serving
            self.terminating = terminating
        }
    }

    public struct Endpoint: Sendable, Equatable, Decodable {
        public var addresses: [String]?
        public var conditions: Conditions?
        public var hostname: String?
        public var nodeName: String?
        public var zone: String?

        public init(
            addresses: [String]?, conditions: Conditions? = nil, hostname: String? = nil, nodeName: String? = nil,
            zone: String? = nil
        ) {
            self.addresses = addresses
            self.conditions = conditions
            self.hostname = hostname
            self.nodeName = nodeName
            self.zone = zone
        }
    }

    public struct Port: Sendable, Equatable, Decodable {
        public var name: String?
        public var `protocol`: String?
        public var port: Int64?
        public var appProtocol: String?

        public init(name: String? = nil, protocol: String? = "TCP", port: Int64?, appProtocol: String? = nil) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
            self.appProtocol = appProtocol
        }
    }

    public var metadata: KubeObjectMeta
    /// `IPv4`, `IPv6` or `FQDN`.
    public var addressType: String?
    public var endpoints: [Endpoint]?
    public var ports: [Port]?

    public init(metadata: KubeObjectMeta, addressType: String?, endpoints: [Endpoint]?, ports: [Port]?) {
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    /// The owning service's `namespace/name`, nil without the service-name label.
    public var serviceKey: String? {
        guard let service = metadata.labels?[Self.serviceNameLabel], !service.isEmpty else { return nil }
        return "\(metadata.namespace ?? "")/\(service)"
    }
}
