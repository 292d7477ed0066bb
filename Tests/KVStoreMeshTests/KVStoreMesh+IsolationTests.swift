import KVStoreMesh
import Mesh
import MVCC
import Testing

/// What a remote may not do to the local store or to other remotes.
@Suite struct KVStoreMeshIsolationTests {
    @Test func foreignOutOfRangeAndMalformedEntriesAreDroppedAndCounted() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        // Entries naming another cluster, an identity of another range, and bad JSON.
        let foreignNode = CiliumNodeValue(name: "spy", cluster: "west", clusterID: 8)
        east.put("cilium/state/nodes/v1/east/spy", foreignNode.jsonBytes)
        let wrongID = CiliumNodeValue(name: "wrong-id", cluster: "east", clusterID: 9)
        east.put(wrongID.key, wrongID.jsonBytes)
        east.put("cilium/state/identities/v1/id/65536", "k8s:io.cilium.k8s.policy.cluster=east;")  // cluster 1's range
        east.put("cilium/state/identities/v1/id/458800", "k8s:io.cilium.k8s.policy.cluster=west;")
        let pair = IPIdentityPairValue(ip: GoIP("10.200.0.1"), hostIP: GoIP("10.0.0.1"), id: 65537)
        east.put(pair.keyPath, pair.jsonBytes)
        east.put("cilium/state/services/v1/east/default/broken", "{\"cluster\":")
        east.put("cilium/state/services/v1/east/default/typed", #"{"cluster":"east","namespace":"default","name":"typed","clusterID":"7"}"#)
        await h.start(["east"])
        #expect(await eventually { h.status("east")?.ready == true })
        let cache = h.cache("east")
        #expect(cache["cilium/cache/nodes/v1/east/spy"] == nil)
        #expect(cache["cilium/cache/nodes/v1/east/wrong-id"] == nil)
        #expect(cache["cilium/cache/identities/v1/east/id/65536"] == nil)
        #expect(cache["cilium/cache/identities/v1/east/id/458800"] == nil)
        #expect(cache["cilium/cache/ip/v1/east/10.200.0.1"] == nil)
        #expect(cache["cilium/cache/services/v1/east/default/broken"] == nil)
        #expect(cache["cilium/cache/services/v1/east/default/typed"] == nil)
        let rejected = h.status("east")?.rejected ?? [:]
        #expect(rejected[.nodes] == 2)
        #expect(rejected[.identities] == 2)
        #expect(rejected[.endpoints] == 1)
        #expect(rejected[.services] == 2)
        // Logged once per kind and category, not per entry.
        #expect(h.logs.count(containing: "dropped nodes entry") == 1)
        #expect(h.logs.count(containing: "dropped identities entry") == 2)
        // Everything valid is there.
        #expect(cache == Self.validOnly(east))
        await h.mesh.stop()
    }

    /// The remote's state minus what the test above injected.
    static func validOnly(_ east: FakeRemote) -> [String: [UInt8]] {
        MeshHarness.expectedCache(east).filter { key, _ in
            !["/spy", "/wrong-id", "/65536", "/458800", "/10.200.0.1", "/broken", "/typed"].contains { key.hasSuffix($0) }
        }
    }

    @Test func validValueReplacedByAnInvalidOneIsDeleted() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        let nodeKey = east.contents(prefix: "cilium/state/nodes/v1/east/").keys.sorted().first!
        let local = "cilium/cache/nodes/v1/east/" + nodeKey.dropFirst("cilium/state/nodes/v1/east/".count)
        #expect(h.value(local) != nil)
        east.put(nodeKey, "not json")
        #expect(await eventually { h.value(local) == nil })
        #expect(h.status("east")?.rejected[.nodes] == 1)
        await h.mesh.stop()
    }

    @Test func eventsOutsideTheWatchedPrefixAreIgnored() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        let before = h.keys(prefix: "cilium/")
        // A misbehaving server answers a watch with keys it was not asked for.
        let node = CiliumNodeValue(name: "x", cluster: "west", clusterID: 8)
        east.injectRogue([
            .put(RemoteKeyValue(key: Array("cilium/state/nodes/v1/west/x".utf8), value: node.jsonBytes)),
            .put(RemoteKeyValue(key: Array("cilium/cluster-config/local".utf8), value: Array("{}".utf8))),
            .delete(RemoteKeyValue(key: Array("cilium/cache/nodes/v1/west/x".utf8), value: [])),
        ], toWatchOf: "cilium/state/nodes/v1/east/")
        #expect(await eventually { h.status("east")?.rejected[.nodes] == 2 })  // deletes are not counted
        try? await Task.sleep(for: .milliseconds(30))
        #expect(h.keys(prefix: "cilium/") == before)
        await h.mesh.stop()
    }

    @Test func clusterIDClashesMarkTheRemoteFailedAndWriteNothing() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        _ = h.remote("west", id: 7)
        _ = h.remote("own", id: MeshHarness.localID)
        await h.start(["east"])
        #expect(await h.converged(east))
        await h.mesh.reconcile(["east": MeshHarness.file("east"), "west": MeshHarness.file("west"), "own": MeshHarness.file("own")])
        #expect(await eventually { (h.status("west")?.failures ?? 0) >= 1 && (h.status("own")?.failures ?? 0) >= 1 })
        #expect(h.status("west")?.lastFailure?.contains("cluster ID 7 is already used by remote cluster east") == true)
        #expect(h.status("own")?.lastFailure?.contains("already used by the local cluster local") == true)
        for name in ["west", "own"] {
            #expect(h.value("cilium/cluster-config/\(name)") == nil)
            #expect(h.cache(name).isEmpty)
            #expect(h.keys(prefix: "cilium/synced/\(name)/").isEmpty)
        }
        #expect(await h.converged(east))
        // Once east is gone, west's next attempt gets the ID.
        await h.mesh.reconcile(["west": MeshHarness.file("west")])
        #expect(await advance(h.clock, upTo: 120, step: 2) { h.status("west")?.ready == true })
        await h.mesh.stop()
    }

    @Test func invalidRemoteConfigIsRefused() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        east.put("cilium/cluster-config/east", #"{"id":300,"capabilities":{"syncedCanaries":true}}"#)
        await h.start(["east"])
        #expect(await eventually { (h.status("east")?.failures ?? 0) >= 1 })
        #expect(h.status("east")?.lastFailure == "invalid cluster configuration: ClusterID > 255 is not supported")
        #expect(h.value("cilium/cluster-config/east") == nil)
        #expect(h.cache("east").isEmpty)
        await h.mesh.stop()
    }

    @Test func disabledServiceExportsStillGetTheirCanaryAndTheirCacheIsDrained() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        // A 1.16 remote: no serviceExportsEnabled field.
        east.put("cilium/cluster-config/east", ClusterConfigValue(id: 7, serviceExportsEnabled: nil).jsonBytes)
        east.put("cilium/state/serviceexports/v1/east/default/x", "ignored")
        _ = try? h.local.put(key: Array("cilium/cache/serviceexports/v1/east/default/stale".utf8), value: Array("old".utf8))
        await h.start(["east"])
        let enabled = Set(ReflectorKind.allCases).subtracting([.serviceExports, .endpointSlices])
        #expect(await h.converged(east, kinds: enabled))
        #expect(h.keys(prefix: "cilium/cache/serviceexports/v1/east/").isEmpty)
        #expect(h.localCanaries("east") == Set(ReflectorKind.allCases))
        #expect(h.text("cilium/cluster-config/east") == #"{"id":7,"capabilities":{"syncedCanaries":true,"cached":true,"maxConnectedClusters":255}}"#)
        #expect(h.status("east")?.enabled == enabled)
        #expect(h.keys(prefix: "cilium/cache/endpointslices/v1/east/").isEmpty)
        await h.mesh.stop()
    }

    @Test func cachedRemoteIsReadAtItsCachePrefixes() async {
        let h = MeshHarness()
        // A remote that is itself a KVStoreMesh cache of "east": its data lives under cilium/cache/.
        let east = FakeRemote(name: "east")
        for (key, value) in DemoData.entries(clusterName: "east", clusterID: 7, now: 0) where key.hasPrefix("cilium/state/") {
            let kind = ReflectorKind.allCases.first { key.hasPrefix($0.statePrefix(remote: "east") + "/") }!
            east.put(kind.cachePrefix(remote: "east") + key.dropFirst(kind.statePrefix(remote: "east").count), value)
        }
        east.put(KeyPaths.heartbeat, "t")
        east.put("cilium/cluster-config/east", ClusterConfigValue(
            id: 7, cached: true, endpointSlicesExportMode: ClusterConfigValue.exportModeServicesAndEndpointSlices).jsonBytes)
        for kind in ReflectorKind.allCases { east.put(kind.localCanary(remote: "east"), "t") }
        // Stray state keys must not be used.
        east.put("cilium/state/nodes/v1/east/ignored", "x")
        h.factory.register(east)
        await h.start(["east"])
        #expect(await eventually {
            h.status("east")?.ready == true && h.cache("east") == MeshHarness.expectedCache(east, cached: true)
        })
        #expect(!h.cache("east").isEmpty)
        #expect(h.status("east")?.config?.kvstoremesh == true)
        await h.mesh.stop()
    }

    @Test func reflectorsWaitForTheirRemoteCanary() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        east.delete(KeyPaths.synced(cluster: "east", prefix: KeyPaths.nodesPrefix))
        await h.start(["east"])
        #expect(await eventually { h.localCanaries("east").count == ReflectorKind.allCases.count - 1 })
        try? await Task.sleep(for: .milliseconds(30))
        #expect(h.keys(prefix: "cilium/cache/nodes/v1/east/").isEmpty)
        #expect(!h.localCanaries("east").contains(.nodes))
        #expect(h.mesh.isReady == false)
        east.put(KeyPaths.synced(cluster: "east", prefix: KeyPaths.nodesPrefix), "t")
        #expect(await h.converged(east))
        #expect(h.mesh.isReady)
        await h.mesh.stop()
    }
}

extension KVStoreMeshIsolationTests {
    @Test func floodingRemoteDoesNotHoldOthersAndLocalTransactionsStayBounded() async {
        let h = MeshHarness { $0.maxOpsPerTransaction = 64 }
        let east = h.remote("east", id: 7), west = h.remote("west", id: 8)
        await h.start(["east", "west"])
        #expect(await h.converged(east))
        #expect(await h.converged(west))
        let start = h.local.currentRevision + 1
        // One large transaction on the remote (one watch response of 3000 events), then a
        // steady stream of small ones, while west changes once.
        _ = east.store.write { (txn: inout WriteTransaction) in
            for i in 0..<3000 {
                let n = KVStoreMeshFailureTests.node(String(format: "f%04d", i), cluster: "east", id: 7)
                _ = try? txn.put(key: Array(n.key.utf8), value: n.jsonBytes)
            }
        }
        let flood = Task {
            for i in 0..<2000 {
                let n = KVStoreMeshFailureTests.node(String(format: "g%04d", i), cluster: "east", id: 7)
                east.put(n.key, n.jsonBytes)
                if i % 100 == 0 { await Task.yield() }
            }
        }
        let w = KVStoreMeshFailureTests.node("west-change", cluster: "west", id: 8)
        west.put(w.key, w.jsonBytes)
        #expect(await eventually { h.value("cilium/cache/nodes/v1/west/west-change") != nil })
        await flood.value
        #expect(await h.converged(east, timeout: 30))
        #expect(await h.converged(west))
        var perRevision: [Int64: Int] = [:]
        for e in KVStoreMeshTests.history(h.local, from: start) { perRevision[e.revision, default: 0] += 1 }
        #expect((perRevision.values.max() ?? 0) <= 64)
        await h.mesh.stop()
    }
}
