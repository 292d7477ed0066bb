import KVStoreMesh
import Mesh
import Testing

@Suite struct RemoteClusterConfigTests {
    func parse(_ text: String) -> RemoteClusterConfig? { try? RemoteClusterConfig.parse(Array(text.utf8)) }

    @Test func parsesEveryCiliumShape() {
        // 1.14, 1.18 and main.
        #expect(parse(#"{"id":1,"capabilities":{"syncedCanaries":true}}"#) == RemoteClusterConfig(id: 1, syncedCanaries: true))
        #expect(parse(#"{"id":3,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false}}"#)
            == RemoteClusterConfig(id: 3, maxConnectedClusters: 255, serviceExportsEnabled: false))
        let main = parse(#"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":511,"serviceExportsEnabled":true,"endpointSlicesExportMode":"endpointslices-only"}}"#)
        #expect(main == RemoteClusterConfig(id: 7, cached: true, maxConnectedClusters: 511, serviceExportsEnabled: true, endpointSlicesExportMode: "endpointslices-only"))
        #expect(main?.enabledKinds == [.endpointSlices, .endpoints, .identities, .nodes, .serviceExports])
        #expect(RemoteClusterConfig(id: 1, endpointSlicesExportMode: "services-and-endpointslices").enabledKinds == Set(ReflectorKind.allCases).subtracting([.serviceExports]))
        #expect(RemoteClusterConfig(id: 1).enabledKinds == [.endpoints, .identities, .nodes, .services])
        #expect(parse(#"{}"#) == RemoteClusterConfig(id: 0, syncedCanaries: false))
        #expect(parse(#"{"id":-1}"#) == nil)
        #expect(parse(#"{"capabilities":{"syncedCanaries":"yes"}}"#) == nil)
        #expect(parse("[]") == nil)
        #expect(parse("") == nil)
    }

    @Test func validationMatchesValidateRemoteConfig() {
        #expect(RemoteClusterConfig(id: 0).validationError(localMaxConnectedClusters: 255) == "ClusterID 0 is reserved")
        #expect(RemoteClusterConfig(id: 256).validationError(localMaxConnectedClusters: 255) == "ClusterID > 255 is not supported")
        #expect(RemoteClusterConfig(id: 256, maxConnectedClusters: 511).validationError(localMaxConnectedClusters: 511) == nil)
        #expect(RemoteClusterConfig(id: 5, maxConnectedClusters: 255).validationError(localMaxConnectedClusters: 511)
            == "mismatched MaxConnectedClusters; local=511, remote=255")
        #expect(RemoteClusterConfig(id: 5).validationError(localMaxConnectedClusters: 255) == nil)
        #expect(RemoteClusterConfig(id: 5, endpointSlicesExportMode: "later").validationError(localMaxConnectedClusters: 255)
            == #"unknown endpointSlicesExportMode "later""#)
    }

    @Test func publishedCopiesCapabilitiesAndMarksCached() {
        let published = RemoteClusterConfig(
            id: 7, syncedCanaries: false, maxConnectedClusters: 255, serviceExportsEnabled: false,
            endpointSlicesExportMode: "services-and-endpointslices"
        ).published
        #expect(published.jsonValue()
            == #"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":255,"serviceExportsEnabled":false,"endpointSlicesExportMode":"services-and-endpointslices"}}"#)
        #expect(RemoteClusterConfig(id: 2).published.jsonValue() == #"{"id":2,"capabilities":{"syncedCanaries":true,"cached":true}}"#)
    }
}
