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

    /// `hints.forZones[].name`.
    public struct ForZone: Sendable, Equatable, Decodable {
        public var name: String?

        public init(name: String?) { self.name = name }
    }

    public struct Hints: Sendable, Equatable, Decodable {
        public var forZones: [ForZone]?

        public init(forZones: [ForZone]?) { self.forZones = forZones }
    }

    public struct Endpoint: Sendable, Equatable, Decodable {
        public var addresses: [String]?
        public var conditions: Conditions?
        public var hostname: String?
        /// v1beta1 leftover, still carried by the slim type (field 5).
        public var deprecatedTopology: [String: String]?
        public var nodeName: String?
        public var zone: String?
        public var hints: Hints?

        public init(
            addresses: [String]?, conditions: Conditions? = nil, hostname: String? = nil,
            deprecatedTopology: [String: String]? = nil, nodeName: String? = nil, zone: String? = nil,
            hints: Hints? = nil
        ) {
            self.addresses = addresses
            self.conditions = conditions
            self.hostname = hostname
            self.deprecatedTopology = deprecatedTopology
            self.nodeName = nodeName
            self.zone = zone
            self.hints = hints
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
