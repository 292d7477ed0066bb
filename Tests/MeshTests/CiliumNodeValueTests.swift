import Testing
import Mesh

@Suite struct CiliumNodeValueTests {
    /// reference/cilium-clustermesh.md §1.2 (ciliumnodes.txtar), compacted.
    static let golden =
        #"{"Name":"test-node-1","Cluster":"cluster3","IPAddresses":[{"Type":"InternalIP","IP":"172.18.0.2"},{"Type":"InternalIP","IP":"fc00:c111::2"},{"Type":"CiliumInternalIP","IP":"10.244.0.10"},{"Type":"CiliumInternalIP","IP":"fd00:10:244::e2d6"}],"IPv4AllocCIDR":{"IP":"10.244.0.0","Mask":"////AA=="},"IPv4SecondaryAllocCIDRs":null,"IPv6AllocCIDR":{"IP":"fd00:10:244::","Mask":"//////////8AAAAAAAAAAA=="},"IPv6SecondaryAllocCIDRs":null,"IPv4HealthIP":"10.244.0.134","IPv6HealthIP":"fd00:10:244::d812","IPv4IngressIP":"","IPv6IngressIP":"","ClusterID":3,"Source":"custom-resource","EncryptionKey":0,"Labels":{"kubernetes.io/hostname":"test-node-1"},"Annotations":{"network.cilium.io/wg-pub-key":"VRks...="},"NodeIdentity":0,"WireguardPubKey":"VRks...=","BootID":"570d3fd1-93db-4862-ba99-6a3c2c10c38f"}"#

    @Test func referenceExample() {
        let node = CiliumNodeValue(
            name: "test-node-1",
            cluster: "cluster3",
            ipAddresses: [
                .init(type: "InternalIP", ip: GoIP("172.18.0.2")),
                .init(type: "InternalIP", ip: GoIP("fc00:c111::2")),
                .init(type: "CiliumInternalIP", ip: GoIP("10.244.0.10")),
                .init(type: "CiliumInternalIP", ip: GoIP("fd00:10:244::e2d6")),
            ],
            ipv4AllocCIDR: GoCIDR("10.244.0.0/24"),
            ipv6AllocCIDR: GoCIDR("fd00:10:244::/64"),
            ipv4HealthIP: GoIP("10.244.0.134"),
            ipv6HealthIP: GoIP("fd00:10:244::d812"),
            clusterID: 3,
            labels: ["kubernetes.io/hostname": "test-node-1"],
            annotations: ["network.cilium.io/wg-pub-key": "VRks...="],
            wireguardPubKey: "VRks...=",
            bootID: "570d3fd1-93db-4862-ba99-6a3c2c10c38f"
        )
        #expect(node.jsonValue() == Self.golden)
        #expect(node.jsonBytes == Array(Self.golden.utf8))
        #expect(node.key == "cilium/state/nodes/v1/cluster3/test-node-1")
    }

    @Test func secondaryCIDRsAndNils() {
        let node = CiliumNodeValue(
            name: "n", cluster: "c", ipv4SecondaryAllocCIDRs: [GoCIDR("10.1.2.3/16")!], ipv6SecondaryAllocCIDRs: [],
            clusterID: 1)
        let text = node.jsonValue()
        #expect(text.contains(#""IPAddresses":null,"IPv4AllocCIDR":null,"IPv4SecondaryAllocCIDRs":[{"IP":"10.1.0.0","Mask":"//8AAA=="}]"#))
        #expect(text.contains(#""IPv6SecondaryAllocCIDRs":[]"#))
        #expect(text.contains(#""Labels":null,"Annotations":null"#))
    }
}
