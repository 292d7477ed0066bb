/// `v1 Service`: the fields the service and service-export converters read (reference §1.3, §1.9).
public struct KubeService: Sendable, Equatable, Decodable {
    public struct Port: Sendable, Equatable, Decodable {
        public var name: String?
        public var `protocol`: String?
        public var appProtocol: String?
        public var port: Int64?

        public init(name: String? = nil, protocol: String? = "TCP", appProtocol: String? = nil, port: Int64?) {
            self.name = name
            self.protocol = `protocol`
            self.appProtocol = appProtocol
            self.port = port
        }
    }

    public struct SessionAffinityConfig: Sendable, Equatable, Decodable {
        public struct ClientIP: Sendable, Equatable, Decodable {
            public var timeoutSeconds: Int64?

            public init(timeoutSeconds: Int64?) { self.timeoutSeconds = timeoutSeconds }
        }

        public var clientIP: ClientIP?

        public init(clientIP: ClientIP?) { self.clientIP = clientIP }
    }

    public struct Spec: Sendable, Equatable, Decodable {
        public var type: String?
        public var clusterIP: String?
        public var clusterIPs: [String]?
        public var ports: [Port]?
        public var selector: [String: String]?
        public var sessionAffinity: String?
        public var sessionAffinityConfig: SessionAffinityConfig?
        public var externalName: String?
        /// `IPv4` / `IPv6`, in the service's order (MCS-API `ipFamilies`).
        public var ipFamilies: [String]?
        public var internalTrafficPolicy: String?
        public var trafficDistribution: String?

        public init(
            type: String? = nil, clusterIP: String? = nil, clusterIPs: [String]? = nil, ports: [Port]? = nil,
            selector: [String: String]? = nil, sessionAffinity: String? = nil,
            sessionAffinityConfig: SessionAffinityConfig? = nil, externalName: String? = nil,
            ipFamilies: [String]? = nil, internalTrafficPolicy: String? = nil, trafficDistribution: String? = nil
        ) {
            self.ipFamilies = ipFamilies
            self.internalTrafficPolicy = internalTrafficPolicy
            self.trafficDistribution = trafficDistribution
            self.type = type
            self.clusterIP = clusterIP
            self.clusterIPs = clusterIPs
            self.ports = ports
            self.selector = selector
            self.sessionAffinity = sessionAffinity
            self.sessionAffinityConfig = sessionAffinityConfig
            self.externalName = externalName
        }
    }

    public var metadata: KubeObjectMeta
    public var spec: Spec?

    public init(metadata: KubeObjectMeta, spec: Spec?) {
        self.metadata = metadata
        self.spec = spec
    }
}
