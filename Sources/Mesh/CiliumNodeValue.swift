/// `nodeTypes.Node` (Cilium 1.18) as stored at `cilium/state/nodes/v1/<cluster>/<name>`.
///
/// Go field names, no JSON tags, so the field order below is the struct order; nil IPs encode
/// as `""`, nil CIDRs and nil slices/maps as `null` (reference/cilium-clustermesh.md §1.2).
public struct CiliumNodeValue: Sendable, Equatable {
    /// One `spec.addresses[]` entry: type `InternalIP`, `ExternalIP` or `CiliumInternalIP`.
    public struct Address: Sendable, Equatable {
        public var type: String
        public var ip: GoIP?

        public init(type: String, ip: GoIP?) {
            self.type = type
            self.ip = ip
        }
    }

    public var name: String
    public var cluster: String
    public var ipAddresses: [Address]?
    public var ipv4AllocCIDR: GoCIDR?
    public var ipv4SecondaryAllocCIDRs: [GoCIDR]?
    public var ipv6AllocCIDR: GoCIDR?
    public var ipv6SecondaryAllocCIDRs: [GoCIDR]?
    public var ipv4HealthIP: GoIP?
    public var ipv6HealthIP: GoIP?
    public var ipv4IngressIP: GoIP?
    public var ipv6IngressIP: GoIP?
    public var clusterID: UInt32
    public var source: String
    public var encryptionKey: UInt8
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var nodeIdentity: UInt32
    public var wireguardPubKey: String
    public var bootID: String

    public init(
        name: String, cluster: String, ipAddresses: [Address]? = nil, ipv4AllocCIDR: GoCIDR? = nil,
        ipv4SecondaryAllocCIDRs: [GoCIDR]? = nil, ipv6AllocCIDR: GoCIDR? = nil, ipv6SecondaryAllocCIDRs: [GoCIDR]? = nil,
        ipv4HealthIP: GoIP? = nil, ipv6HealthIP: GoIP? = nil, ipv4IngressIP: GoIP? = nil, ipv6IngressIP: GoIP? = nil,
        clusterID: UInt32, source: String = "custom-resource", encryptionKey: UInt8 = 0,
        labels: [String: String]? = nil, annotations: [String: String]? = nil, nodeIdentity: UInt32 = 0,
        wireguardPubKey: String = "", bootID: String = ""
    ) {
        self.name = name
        self.cluster = cluster
        self.ipAddresses = ipAddresses
        self.ipv4AllocCIDR = ipv4AllocCIDR
        self.ipv4SecondaryAllocCIDRs = ipv4SecondaryAllocCIDRs
        self.ipv6AllocCIDR = ipv6AllocCIDR
        self.ipv6SecondaryAllocCIDRs = ipv6SecondaryAllocCIDRs
        self.ipv4HealthIP = ipv4HealthIP
        self.ipv6HealthIP = ipv6HealthIP
        self.ipv4IngressIP = ipv4IngressIP
        self.ipv6IngressIP = ipv6IngressIP
        self.clusterID = clusterID
        self.source = source
        self.encryptionKey = encryptionKey
        self.labels = labels
        self.annotations = annotations
        self.nodeIdentity = nodeIdentity
        self.wireguardPubKey = wireguardPubKey
        self.bootID = bootID
    }

    /// `cilium/state/nodes/v1/<cluster>/<name>`
    public var key: String { KeyPaths.node(cluster: cluster, name: name) }

    public var json: GoJSON {
        .fields([
            "Name": .string(name),
            "Cluster": .string(cluster),
            "IPAddresses": ipAddresses.map { list in
                .array(list.map { .fields(["Type": .string($0.type), "IP": ipText($0.ip)]) })
            } ?? .null,
            "IPv4AllocCIDR": ipv4AllocCIDR?.json ?? .null,
            "IPv4SecondaryAllocCIDRs": ipv4SecondaryAllocCIDRs.map { .array($0.map(\.json)) } ?? .null,
            "IPv6AllocCIDR": ipv6AllocCIDR?.json ?? .null,
            "IPv6SecondaryAllocCIDRs": ipv6SecondaryAllocCIDRs.map { .array($0.map(\.json)) } ?? .null,
            "IPv4HealthIP": ipText(ipv4HealthIP),
            "IPv6HealthIP": ipText(ipv6HealthIP),
            "IPv4IngressIP": ipText(ipv4IngressIP),
            "IPv6IngressIP": ipText(ipv6IngressIP),
            "ClusterID": .uint(UInt64(clusterID)),
            "Source": .string(source),
            "EncryptionKey": .uint(UInt64(encryptionKey)),
            "Labels": .stringMap(labels),
            "Annotations": .stringMap(annotations),
            "NodeIdentity": .uint(UInt64(nodeIdentity)),
            "WireguardPubKey": .string(wireguardPubKey),
            "BootID": .string(bootID),
        ])
    }

    /// The exact bytes Cilium stores.
    public var jsonBytes: [UInt8] { json.encoded }

    /// The stored value as text.
    public func jsonValue() -> String { json.text }
}

/// `net.IP` as JSON text: `""` for nil.
func ipText(_ ip: GoIP?) -> GoJSON {
    .string(ip?.description ?? "")
}
