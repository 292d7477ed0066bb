import Testing

@testable import Mesh

@Suite struct CiliumNodeConverterTests {
    @Test func referenceNode() {
        // reference §1.2 (ciliumnodes.txtar, 1.18 adds NodeIdentity).
        guard case .ciliumNode(let node) = MeshFixtures.object(MeshFixtures.node1) else { return }
        let out = CiliumNodeConverter.convert(node, cluster: MeshFixtures.cluster3)
        #expect(MeshFixtures.lines(out) == ["cilium/state/nodes/v1/cluster3/test-node-1 = " + MeshFixtures.node1Value])
        #expect(out.rejections.isEmpty)
    }

    @Test func encryptionSecondaryCIDRsPoolsAndNulls() {
        let json = #"""
            {"kind":"CiliumNode","metadata":{"name":"test-node-2","labels":{"kubernetes.io/hostname":"test-node-2"}},
             "spec":{"addresses":[{"ip":"172.18.0.3","type":"InternalIP"},{"ip":"not-an-ip","type":"InternalIP"},
                                  {"ip":"FD00:10:244:1:0:0:0:9089","type":"CiliumInternalIP"}],
                     "bootid":"c1d2","encryption":{"key":7},"nodeidentity":12,
                     "ingress":{"ipv4":"10.244.1.7"},
                     "ipam":{"podCIDRs":["10.244.1.5/24","fd00:10:244:1::/64","10.245.0.0/16","bad/99"],
                             "pools":{"allocated":[{"pool":"p","cidrs":["10.9.0.0/25","fd00:99::/96"]}]}}}}
            """#
        guard case .ciliumNode(let node) = MeshFixtures.object(json) else { return }
        let out = CiliumNodeConverter.convert(node, cluster: MeshClusterInfo(name: "c9", id: 9))
        #expect(
            MeshFixtures.lines(out) == [
                "cilium/state/nodes/v1/c9/test-node-2 = "
                    + #"{"Name":"test-node-2","Cluster":"c9","IPAddresses":[{"Type":"InternalIP","IP":"172.18.0.3"},{"Type":"CiliumInternalIP","IP":"fd00:10:244:1::9089"}],"IPv4AllocCIDR":{"IP":"10.244.1.0","Mask":"////AA=="},"IPv4SecondaryAllocCIDRs":[{"IP":"10.245.0.0","Mask":"//8AAA=="},{"IP":"10.9.0.0","Mask":"////gA=="}],"IPv6AllocCIDR":{"IP":"fd00:10:244:1::","Mask":"//////////8AAAAAAAAAAA=="},"IPv6SecondaryAllocCIDRs":[{"IP":"fd00:99::","Mask":"////////////////AAAAAA=="}],"IPv4HealthIP":"","IPv6HealthIP":"","IPv4IngressIP":"10.244.1.7","IPv6IngressIP":"","ClusterID":9,"Source":"custom-resource","EncryptionKey":7,"Labels":{"kubernetes.io/hostname":"test-node-2"},"Annotations":null,"NodeIdentity":12,"WireguardPubKey":"","BootID":"c1d2"}"#
            ])
    }

    @Test func emptySpec() {
        let node = CiliumNode(metadata: KubeObjectMeta(name: "bare"))
        let value = CiliumNodeConverter.nodeValue(node, cluster: MeshFixtures.cluster3)
        #expect(
            value.jsonValue()
                == #"{"Name":"bare","Cluster":"cluster3","IPAddresses":null,"IPv4AllocCIDR":null,"IPv4SecondaryAllocCIDRs":null,"IPv6AllocCIDR":null,"IPv6SecondaryAllocCIDRs":null,"IPv4HealthIP":"","IPv6HealthIP":"","IPv4IngressIP":"","IPv6IngressIP":"","ClusterID":3,"Source":"custom-resource","EncryptionKey":0,"Labels":null,"Annotations":null,"NodeIdentity":0,"WireguardPubKey":"","BootID":""}"#
        )
    }
}
