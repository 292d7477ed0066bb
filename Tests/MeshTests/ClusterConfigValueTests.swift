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

@Suite struct ClusterConfigValue119Tests {
    @Test func endpointSlicesExportMode() {
        // clusterconfig-endpointslices-only.txtar (cilium-1.19-plus.md §B.1).
        #expect(
            ClusterConfigValue(id: 5, endpointSlicesExportMode: ClusterConfigValue.exportModeEndpointSlicesOnly).jsonValue()
                == #"{"id":5,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false,"endpointSlicesExportMode":"endpointslices-only"}}"#
        )
        // The mode follows serviceExportsEnabled even when that is absent; KVStoreMesh's cached copy.
        #expect(
            ClusterConfigValue(
                id: 7, cached: true, serviceExportsEnabled: nil,
                endpointSlicesExportMode: ClusterConfigValue.exportModeServicesAndEndpointSlices
            ).jsonValue()
                == #"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":255,"endpointSlicesExportMode":"services-and-endpointslices"}}"#
        )
    }

    @Test(arguments: [
        (ServiceV2Mode.preferLegacy, "services-and-endpointslices"),
        (.preferEndpointSlice, "services-and-endpointslices"),
        (.onlyEndpointSlice, "endpointslices-only"),
    ])
    func mirrorAdvertisesTheMode(mode: ServiceV2Mode, advertised: String) {
        let configuration = MeshMirrorConfiguration(cluster: MeshClusterInfo(name: "cluster5", id: 5), serviceV2Mode: mode)
        #expect(configuration.clusterConfig.endpointSlicesExportMode == advertised)
        // Without the endpoint slice resource the field is omitted (services only).
        var without = configuration
        without.resources.remove(.endpointSlices)
        #expect(without.clusterConfig.endpointSlicesExportMode == "")
    }
}
