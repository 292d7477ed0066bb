import Testing
import Mesh

@Suite struct ClusterConfigValueTests {
    @Test func referenceExample() {
        // reference/cilium-clustermesh.md §1.6 (clusterconfig.txtar).
        #expect(
            ClusterConfigValue(id: 3).jsonValue()
                == #"{"id":3,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false}}"#)
    }

    @Test func omitEmpty() {
        #expect(
            ClusterConfigValue(id: 0, syncedCanaries: false, maxConnectedClusters: 0, serviceExportsEnabled: nil)
                .jsonValue() == #"{"capabilities":{}}"#)
        #expect(
            ClusterConfigValue(id: 9, cached: true, maxConnectedClusters: 511, serviceExportsEnabled: true).jsonValue()
                == #"{"id":9,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":511,"serviceExportsEnabled":true}}"#
        )
        // 1.14 shape.
        #expect(
            ClusterConfigValue(id: 1, maxConnectedClusters: 0, serviceExportsEnabled: nil).jsonValue()
                == #"{"id":1,"capabilities":{"syncedCanaries":true}}"#)
    }

    @Test func endpointSlicesExportModeFollowsServiceExports() {
        // reference/cilium-1.19-plus.md §A.2: KVStoreMesh republishing a 1.20 remote, Go struct order.
        #expect(
            ClusterConfigValue(
                id: 7, cached: true, maxConnectedClusters: 255, serviceExportsEnabled: false,
                endpointSlicesExportMode: "services-and-endpointslices"
            ).jsonValue()
                == #"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":255,"serviceExportsEnabled":false,"endpointSlicesExportMode":"services-and-endpointslices"}}"#
        )
        #expect(
            ClusterConfigValue(id: 7, serviceExportsEnabled: nil, endpointSlicesExportMode: "endpointslices-only").jsonValue()
                == #"{"id":7,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"endpointSlicesExportMode":"endpointslices-only"}}"#
        )
    }
}
