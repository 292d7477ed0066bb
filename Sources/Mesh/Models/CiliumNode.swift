/// `cilium.io/v2 CiliumNode`: only the fields `ParseCiliumNode` reads (reference §1.2).
public struct CiliumNode: Sendable, Equatable, Decodable {
    public struct Address: Sendable, Equatable, Decodable {
        public var type: String?
        public var ip: String?

        public init(type: String?, ip: String?) {
            self.type = type
            self.ip = ip
        }
    }

    /// `spec.health` / `spec.ingress`.
    public struct Addressing: Sendable, Equatable, Decodable {
        public var ipv4: String?
        public var ipv6: String?

        public init(ipv4: String? = nil, ipv6: String? = nil) {
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    public struct Encryption: Sendable, Equatable, Decodable {
        public var key: Int64?

        public init(key: Int64?) { self.key = key }
    }

    /// `spec.ipam`: `podCIDRs` plus multi-pool `pools.allocated[].cidrs`.
    public struct IPAM: Sendable, Equatable, Decodable {
        public struct Pools: Sendable, Equatable, Decodable {
            public struct Allocation: Sendable, Equatable, Decodable {
                public var pool: String?
                public var cidrs: [String]?
            }
            public var allocated: [Allocation]?
        }

        public var podCIDRs: [String]?
        public var pools: Pools?

        public init(podCIDRs: [String]? = nil) {
            self.podCIDRs = podCIDRs
            self.pools = nil
        }
    }

    public struct Spec: Sendable, Equatable, Decodable {
        public var addresses: [Address]?
        public var health: Addressing?
        public var ingress: Addressing?
        public var encryption: Encryption?
        public var ipam: IPAM?
        public var bootid: String?
        public var nodeidentity: UInt64?

        public init(
            addresses: [Address]? = nil, health: Addressing? = nil, ingress: Addressing? = nil,
            encryption: Encryption? = nil, ipam: IPAM? = nil, bootid: String? = nil, nodeidentity: UInt64? = nil
        ) {
            self.addresses = addresses
            self.health = health
            self.ingress = ingress
            self.encryption = encryption
            self.ipam = ipam
            self.bootid = bootid
            self.nodeidentity = nodeidentity
        }
    }

    public var metadata: KubeObjectMeta
    public var spec: Spec?

    public init(metadata: KubeObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
