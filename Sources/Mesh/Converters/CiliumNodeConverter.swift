/// CiliumNode → `cilium/state/nodes/v1/<C>/<node>` (Cilium `ParseCiliumNode` with the cluster
/// name and ID overwritten; reference §1.2).
public enum CiliumNodeConverter {
    static let wireguardAnnotation = "network.cilium.io/wg-pub-key"
    static let wireguardAnnotationAlias = "io.cilium.network.wg-pub-key"

    public static func convert(_ node: CiliumNode, cluster: MeshClusterInfo) -> MeshConversion {
        let value = nodeValue(node, cluster: cluster)
        return MeshConversion(entries: [MeshEntry(key: value.key, value: value.jsonBytes)])
    }

    /// The `nodeTypes.Node` Cilium builds. Unparsable IPs and CIDRs are dropped, as Go's
    /// `net.ParseIP` / `net.ParseCIDR` failures are.
    public static func nodeValue(_ node: CiliumNode, cluster: MeshClusterInfo) -> CiliumNodeValue {
        let spec = node.spec
        var value = CiliumNodeValue(
            name: node.metadata.name, cluster: cluster.name, clusterID: cluster.id,
            encryptionKey: UInt8(truncatingIfNeeded: spec?.encryption?.key ?? 0),
            labels: node.metadata.labels, annotations: node.metadata.annotations,
            nodeIdentity: UInt32(truncatingIfNeeded: spec?.nodeidentity ?? 0),
            wireguardPubKey: node.metadata.annotation(wireguardAnnotation, wireguardAnnotationAlias) ?? "",
            bootID: spec?.bootid ?? "")
        var cidrs = spec?.ipam?.podCIDRs ?? []
        for pool in spec?.ipam?.pools?.allocated ?? [] { cidrs += pool.cidrs ?? [] }
        for text in cidrs {
            guard let cidr = GoCIDR(text) else { continue }
            if cidr.ip.isIPv4 {
                if value.ipv4AllocCIDR == nil {
                    value.ipv4AllocCIDR = cidr
                } else {
                    value.ipv4SecondaryAllocCIDRs = (value.ipv4SecondaryAllocCIDRs ?? []) + [cidr]
                }
            } else if value.ipv6AllocCIDR == nil {
                value.ipv6AllocCIDR = cidr
            } else {
                value.ipv6SecondaryAllocCIDRs = (value.ipv6SecondaryAllocCIDRs ?? []) + [cidr]
            }
        }
        value.ipv4HealthIP = spec?.health?.ipv4.flatMap(GoIP.init)
        value.ipv6HealthIP = spec?.health?.ipv6.flatMap(GoIP.init)
        value.ipv4IngressIP = spec?.ingress?.ipv4.flatMap(GoIP.init)
        value.ipv6IngressIP = spec?.ingress?.ipv6.flatMap(GoIP.init)
        for address in spec?.addresses ?? [] {
            guard let ip = address.ip.flatMap(GoIP.init) else { continue }
            value.ipAddresses = (value.ipAddresses ?? []) + [.init(type: address.type ?? "", ip: ip)]
        }
        return value
    }
}
