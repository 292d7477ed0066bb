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
            == #"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":255,"serviceExportsEnabled":false,"endpointSlicesExportMode":"services-and-endpointslices"}}"#)
        #expect(h.localCanaries("east") == Set(ReflectorKind.allCases))
        #expect(h.mesh.isReady)
        // Key mapping of reference §A.2: ip loses `default`, identities keep `id/`.
        let cache = h.cache("east")
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/ip/v1/east/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/identities/v1/east/id/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/nodes/v1/east/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/services/v1/east/default/") })
        #expect(cache.keys.contains { $0.hasPrefix("cilium/cache/endpointslices/v1/east/default/rebel-base-") })
        await h.mesh.stop()
    }
}

extension KVStoreMeshTests {
    /// Local store events from `from` on, as (key, type) in revision order.
    static func history(_ store: KVStore, from: Int64) -> [(key: String, type: EventType, revision: Int64)] {
        let stream = store.makeWatchStream(onPending: {})
        defer { stream.close() }
        _ = stream.watch(WatchCreateRequest(key: [0], end: [0], startRevision: from))
        var out: [(key: String, type: EventType, revision: Int64)] = []
        for _ in 0..<100 {
            store.syncWatchers()
            let messages = stream.takePending(max: 10_000)
            if messages.isEmpty && !out.isEmpty { break }
            for case .events(_, _, let events) in messages {
                out += events.map { (String(decoding: $0.kv.key, as: UTF8.self), $0.type, $0.kv.modRevision) }
            }
        }
        return out
    }

    @Test func writeOrderIsConfigThenDataThenEachCanaryAfterItsData() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        let start = h.local.currentRevision + 1
        await h.start(["east"])
        #expect(await h.converged(east))
        let events = Self.history(h.local, from: start)
        let configRevision = events.first { $0.key == "cilium/cluster-config/east" }?.revision
        #expect(configRevision != nil)
        #expect(events.first?.key == "cilium/cluster-config/east")
        for kind in ReflectorKind.allCases {
            let data = events.filter { $0.key.hasPrefix(kind.cachePrefix(remote: "east") + "/") }.map(\.revision)
            let canary = events.first { $0.key == kind.localCanary(remote: "east") }?.revision
            #expect(canary != nil)
            if let canary, let last = data.max(), let configRevision {
                #expect(last < canary, "\(kind) canary before its data")
                #expect(data.min()! > configRevision, "\(kind) data before the cluster config")
            }
        }
        // No per-key transactions: a page of entries shares one revision.
        let ipRevisions = Set(events.filter { $0.key.hasPrefix("cilium/cache/ip/v1/east/") }.map(\.revision))
        #expect(ipRevisions.count == 1)
        await h.mesh.stop()
    }

    @Test func drainDeletesSyncedFirstThenCachesSortedByReflectorName() async {
        let h = MeshHarness { $0.drainDelay = 10 }
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        let start = h.local.currentRevision + 1
        await h.mesh.reconcile([:])
        #expect(await advance(h.clock, upTo: 20) { h.cache("east").isEmpty })
        let deletes = Self.history(h.local, from: start).filter { $0.type == .delete }
        #expect(deletes.first?.key == "cilium/cluster-config/east")
        var order: [String] = []
        for d in deletes.dropFirst() {
            let group = d.key.hasPrefix("cilium/synced/") ? "synced"
                : ReflectorKind.allCases.first { d.key.hasPrefix($0.cachePrefix(remote: "east") + "/") }!.rawValue
            if order.last != group { order.append(group) }
        }
        #expect(order == ["synced", "endpoint slices", "endpoints", "identities", "nodes", "services"])  // no service exports cached
        await h.mesh.stop()
    }

    @Test func statusJSONMatchesUpstreamShape() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7, etcdClusterID: 0x6F1E2D)
        await h.start(["east", "west"])  // west has no remote: it keeps failing
        #expect(await h.converged(east))
        #expect(await eventually { (h.status("west")?.failures ?? 0) >= 1 })
        let counts = h.status("east")!.keys
        let json = String(decoding: h.mesh.statusJSON(), as: UTF8.self)
        let expected = #"[{"config":{"cluster-id":7,"endpoint-slices-export-mode":"services-and-endpointslices","required":true,"retrieved":true,"service-exports-enabled":false,"sync-canaries":true},"connected":true,"last-failure":"0001-01-01T00:00:00.000Z","name":"east","#
            + #""num-endpoint-slices":1,"num-endpoints":\#(counts[.endpoints]!),"num-identities":\#(counts[.identities]!),"num-nodes":\#(counts[.nodes]!),"num-shared-services":1,"ready":true,"#
            + #""status":"etcd: 1/1 connected, leases=0, lock leases=0, has-quorum=true: endpoint status checks are disabled, ID: 6f1e2d","#
            + #""synced":{"endpoint-slices":true,"endpoints":true,"identities":true,"nodes":true,"service-exports":true,"services":true}},"#
            + #"{"last-failure":"2026-01-01T00:00:00.000Z","name":"west","num-failures":1,"status":"Waiting for initial connection to be established","synced":{}}]"#
        #expect(json == expected)
        #expect(KVStoreMeshStatusJSON.encode([]) == Array("[]".utf8))
        #expect(KVStoreMeshStatusJSON.dateTime(1_767_225_600.25) == "2026-01-01T00:00:00.250Z")
        await h.mesh.stop()
    }
}
