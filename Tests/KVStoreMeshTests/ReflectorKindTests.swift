import KVStoreMesh
import Testing

/// The reflectors table of reference/cilium-1.19-plus.md §A.2.
@Suite struct ReflectorKindTests {
    @Test func prefixesAndCanaries() {
        #expect(ReflectorKind.allCases.map(\.rawValue) == ["endpoint slices", "endpoints", "identities", "nodes", "service exports", "services"])
        #expect(ReflectorKind.allCases == ReflectorKind.allCases.sorted())
        let rows: [(ReflectorKind, String, String, String)] = [
            (.endpointSlices, "cilium/state/endpointslices/v1/R", "cilium/cache/endpointslices/v1/R",
             "cilium/synced/R/cilium/cache/endpointslices/v1"),
            (.endpoints, "cilium/state/ip/v1/default", "cilium/cache/ip/v1/R", "cilium/synced/R/cilium/cache/ip/v1"),
            (.identities, "cilium/state/identities/v1/id", "cilium/cache/identities/v1/R/id", "cilium/synced/R/cilium/cache/identities/v1"),
            (.nodes, "cilium/state/nodes/v1/R", "cilium/cache/nodes/v1/R", "cilium/synced/R/cilium/cache/nodes/v1"),
            (.services, "cilium/state/services/v1/R", "cilium/cache/services/v1/R", "cilium/synced/R/cilium/cache/services/v1"),
            (.serviceExports, "cilium/state/serviceexports/v1/R", "cilium/cache/serviceexports/v1/R",
             "cilium/synced/R/cilium/cache/serviceexports/v1"),
        ]
        for (kind, state, cache, canary) in rows {
            #expect(kind.statePrefix(remote: "R") == state)
            #expect(kind.cachePrefix(remote: "R") == cache)
            #expect(kind.localCanary(remote: "R") == canary)
            #expect(kind.watchPrefix(remote: "R", cached: false) == state)
            #expect(kind.watchPrefix(remote: "R", cached: true) == cache)
            #expect(kind.remoteCanary(remote: "R", cached: true) == canary)
            #expect(kind.remoteCanary(remote: "R", cached: false) == "cilium/synced/R/" + kind.basePrefix)
        }
        #expect(ReflectorKind.allCases.filter(\.revocable) == [.endpointSlices, .serviceExports, .services])
    }
}
