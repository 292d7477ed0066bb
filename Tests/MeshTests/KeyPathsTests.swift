import Testing
import Mesh

@Suite struct KeyPathsTests {
    @Test func keys() {
        #expect(KeyPaths.heartbeat == "cilium/.heartbeat")
        #expect(KeyPaths.hasClusterConfig == "cilium/.has-cluster-config")
        #expect(KeyPaths.clusterConfig(cluster: "cluster3") == "cilium/cluster-config/cluster3")
        #expect(KeyPaths.node(cluster: "c3", name: "n1") == "cilium/state/nodes/v1/c3/n1")
        #expect(KeyPaths.service(cluster: "c3", namespace: "ns", name: "s") == "cilium/state/services/v1/c3/ns/s")
        #expect(KeyPaths.serviceExport(cluster: "c3", namespace: "ns", name: "s") == "cilium/state/serviceexports/v1/c3/ns/s")
        #expect(KeyPaths.ip("fd00::1") == "cilium/state/ip/v1/default/fd00::1")
        #expect(
            KeyPaths.syncedCanaries(cluster: "cluster3") == [
                "cilium/synced/cluster3/cilium/state/nodes/v1",
                "cilium/synced/cluster3/cilium/state/services/v1",
                "cilium/synced/cluster3/cilium/state/identities/v1",
                "cilium/synced/cluster3/cilium/state/ip/v1",
                "cilium/synced/cluster3/cilium/state/serviceexports/v1",
            ])
    }

    @Test func identityRanges() {
        #expect(KeyPaths.identityRange(clusterID: 3) == 196_608...262_143)
        #expect(KeyPaths.identityRange(clusterID: 3, maxConnectedClusters: 511) == 98_304...131_071)
        #expect(KeyPaths.identityRange(clusterID: 255) == 16_711_680...16_777_215)
        #expect(KeyPaths.identityRange(clusterID: 256) == nil)
        #expect(KeyPaths.identityRange(clusterID: 1, maxConnectedClusters: 100) == nil)
    }
}
