/// `status.networking` of a CiliumEndpoint (and of each CiliumEndpointSlice entry).
public struct EndpointNetworking: Sendable, Equatable, Decodable {
    public struct AddressPair: Sendable, Equatable, Decodable {
        public var ipv4: String?
        public var ipv6: String?

        public init(ipv4: String? = nil, ipv6: String? = nil) {
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    public var addressing: [AddressPair]?
    /// The node IP (`HostIP` of the ipcache entry).
    public var node: String?

    public init(addressing: [AddressPair]?, node: String?) {
        self.addressing = addressing
        self.node = node
    }
}

/// `status.encryption` / `endpoints[].encryption`.
public struct EndpointEncryption: Sendable, Equatable, Decodable {
    public var key: Int64?

    public init(key: Int64?) { self.key = key }
}

/// `cilium.io/v2 CiliumEndpoint` (the fields of Cilium's slim `types.CiliumEndpoint`).
public struct CiliumEndpoint: Sendable, Equatable, Decodable {
    public struct Identity: Sendable, Equatable, Decodable {
        public var id: Int64?

        public init(id: Int64?) { self.id = id }
    }

    public struct Status: Sendable, Equatable, Decodable {
        public var identity: Identity?
        public var networking: EndpointNetworking?
        public var encryption: EndpointEncryption?
        /// `status.service-account` (1.19+ exports it as `K8sServiceAccount`).
        public var serviceAccount: String?

        public init(
            identity: Identity? = nil, networking: EndpointNetworking? = nil, encryption: EndpointEncryption? = nil,
            serviceAccount: String? = nil
        ) {
            self.identity = identity
            self.networking = networking
            self.encryption = encryption
            self.serviceAccount = serviceAccount
        }

        enum CodingKeys: String, CodingKey {
            case identity, networking, encryption
            case serviceAccount = "service-account"
        }
    }

    public var metadata: KubeObjectMeta
    public var status: Status?

    public init(metadata: KubeObjectMeta, status: Status?) {
        self.metadata = metadata
        self.status = status
    }
}
