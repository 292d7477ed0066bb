import KVStoreMesh
import Mesh
import MVCC
import Testing

@Suite struct KVStoreMeshTests {
    @Test func bootstrapCopiesEveryKindAndRepublishesTheConfig() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        #expect(h.text("cilium/cluster-config/east")
            == #"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":255,"serviceExportsEnabled":false}}"#)
        #expect(h.localCanaries("east") == Set(ReflectorKind.allCases))
        #expect(h.mesh.isReady)
        // Key mapping of reference §A.2: ip loses `default`, identities keep `id/`.
        let cache = h.cache("east")
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/ip/v1/east/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/identities/v1/east/id/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/nodes/v1/east/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/services/v1/east/default/") })
        await h.mesh.stop()
    }
}
