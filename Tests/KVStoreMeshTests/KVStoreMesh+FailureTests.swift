import KVStoreMesh
import Mesh
import MVCC
import Testing

/// Remotes that restart, compact, hang or end their streams.
@Suite struct KVStoreMeshFailureTests {
    static func node(_ name: String, cluster: String, id: UInt32) -> CiliumNodeValue {
        CiliumNodeValue(
            name: name, cluster: cluster, ipAddresses: [.init(type: "InternalIP", ip: GoIP("10.9.0.1"))], clusterID: id)
    }

    func modRevision(_ h: MeshHarness, _ key: String) -> Int64? {
        (try? h.local.range(key: Array(key.utf8), end: []))?.kvs.first?.modRevision
    }

    @Test func remoteRestartWithNewClusterIDRelistsAndDeletesOnlyStaleKeys() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7, etcdClusterID: 0xAAAA)
        await h.start(["east"])
        #expect(await h.converged(east))
        let keptNode = east.contents(prefix: "cilium/state/nodes/v1/east/").keys.sorted().first!
        let keptLocal = "cilium/cache/nodes/v1/east/" + keptNode.dropFirst("cilium/state/nodes/v1/east/".count)
        let keptRevision = modRevision(h, keptLocal)

        // The remote restarts with a fresh store identity: new cluster_id, some keys gone.
        let goneIP = east.contents(prefix: "cilium/state/ip/v1/default/").keys.sorted().first!
        east.clusterID = 0xBBBB
        east.delete(goneIP)
        let extra = Self.node("late", cluster: "east", id: 7)
        east.put(extra.key, extra.jsonBytes)

        #expect(await advance(h.clock, upTo: 30) {
            h.status("east")?.etcdClusterID == "bbbb" && h.cache("east") == MeshHarness.expectedCache(east)
        })
        #expect(await h.converged(east))
        #expect(h.value("cilium/cache/ip/v1/east/" + goneIP.dropFirst("cilium/state/ip/v1/default/".count)) == nil)
        #expect(h.status("east")?.failures == 1)
        #expect(h.status("east")?.lastFailure?.contains("cluster ID has changed") == true)
        // Unchanged entries are not rewritten by the relist.
        #expect(modRevision(h, keptLocal) == keptRevision)
        await h.mesh.stop()
    }

    @Test func watchCompactedPastRelistsAndDeletesWhatIsGone() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        let ranges = east.rangeCalls
        let old = east.contents(prefix: "cilium/state/nodes/v1/east/").keys.sorted()
        #expect(!old.isEmpty)
        east.freeze()
        // More responses than a watch stream queues: the node watcher falls behind and must catch
        // up from history, which the compaction below removes.
        for i in 0..<300 {
            let n = Self.node("n\(i)", cluster: "east", id: 7)
            east.put(n.key, n.jsonBytes)
        }
        for key in old { east.delete(key) }
        east.compactAll()
        east.unfreeze()
        #expect(await advance(h.clock, upTo: 30) { h.cache("east") == MeshHarness.expectedCache(east) })
        #expect(east.rangeCalls > ranges)  // relisted
        #expect(h.logs.count(containing: "compacted at") >= 1)
        #expect(h.status("east")?.failures == 0)  // a compaction is not a connection failure
        #expect(h.keys(prefix: "cilium/cache/nodes/v1/east/").count == 300)
        await h.mesh.stop()
    }

    @Test func streamEndingWithoutErrorRewatchesWithoutRelisting() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        let (ranges, watches) = (east.rangeCalls, east.watchCalls)
        east.endStreams()
        let n = Self.node("after-end", cluster: "east", id: 7)
        east.put(n.key, n.jsonBytes)
        #expect(await advance(h.clock, upTo: 5, step: 0.05) { h.value("cilium/cache/nodes/v1/east/after-end") != nil })
        #expect(east.rangeCalls == ranges)
        #expect(east.watchCalls > watches)
        #expect(h.status("east")?.failures == 0)
        await h.mesh.stop()
    }

    @Test func frozenRemoteKeepsItsCacheAndReconnectsWhenResumed() async {
        let h = MeshHarness {
            $0.heartbeatTimeout = 180
            $0.heartbeatCheckInterval = 30
        }
        let east = h.remote("east", id: 7), west = h.remote("west", id: 8)
        await h.start(["east", "west"])
        #expect(await h.converged(east))
        #expect(await h.converged(west))
        let cached = h.cache("east")
        east.freeze()
        // west keeps its heartbeat; east hangs. The watchdog tears east's connection down.
        #expect(await advance(h.clock, upTo: 400, step: 5) {
            west.put(KeyPaths.heartbeat, "t")
            return h.status("east")?.connected == false
        })
        #expect(h.status("east")?.lastFailure?.contains("since last heartbeat") == true)
        #expect(h.status("west")?.ready == true)
        // Lost connectivity is not removal: everything stays.
        #expect(h.cache("east") == cached)
        #expect(h.value("cilium/cluster-config/east") != nil)
        // west is not held up by east: its changes still arrive.
        let n = Self.node("while-east-hangs", cluster: "west", id: 8)
        west.put(n.key, n.jsonBytes)
        #expect(await h.converged(west))

        east.unfreeze()
        let m = Self.node("after-resume", cluster: "east", id: 7)
        east.put(m.key, m.jsonBytes)
        #expect(await advance(h.clock, upTo: 300, step: 5) {
            east.put(KeyPaths.heartbeat, "t")
            west.put(KeyPaths.heartbeat, "t")
            return h.status("east")?.ready == true && h.cache("east") == MeshHarness.expectedCache(east)
        })
        await h.mesh.stop()
    }

    @Test func cacheTTLRevokesOnlyServicesEndpointSlicesAndServiceExports() async {
        let h = MeshHarness {
            $0.heartbeatTimeout = 180
            $0.heartbeatCheckInterval = 30
            $0.cacheTTL = 60
        }
        let east = h.remote("east", id: 7)
        let export = MCSAPIServiceSpecValue(
            cluster: "east", name: "web", namespace: "default", exportCreationTimestamp: 1_700_000_000,
            ports: [.init(port: 80)], type: "ClusterSetIP", sessionAffinity: "None")
        east.put(export.key, export.jsonBytes)
        await h.start(["east"])
        #expect(await h.converged(east))
        #expect(!h.keys(prefix: "cilium/cache/services/v1/east/").isEmpty)
        #expect(!h.keys(prefix: "cilium/cache/serviceexports/v1/east/").isEmpty)
        #expect(!h.keys(prefix: "cilium/cache/endpointslices/v1/east/").isEmpty)
        let kept: Set<ReflectorKind> = [.nodes, .identities, .endpoints]
        east.freeze()
        #expect(await advance(h.clock, upTo: 400, step: 5) { h.status("east")?.connected == false })
        // Not yet: the TTL runs from the disconnection.
        #expect(!h.keys(prefix: "cilium/cache/services/v1/east/").isEmpty)
        #expect(await advance(h.clock, upTo: 120, step: 5) {
            h.keys(prefix: "cilium/cache/services/v1/east/").isEmpty && h.keys(prefix: "cilium/cache/serviceexports/v1/east/").isEmpty
                && h.keys(prefix: "cilium/cache/endpointslices/v1/east/").isEmpty
        })
        #expect(h.cache("east") == MeshHarness.expectedCache(east, kinds: kept))
        #expect(h.localCanaries("east") == Set(ReflectorKind.allCases))
        #expect(h.value("cilium/cluster-config/east") != nil)
        #expect(h.status("east")?.revoked == true)

        east.unfreeze()
        #expect(await advance(h.clock, upTo: 300, step: 5) {
            east.put(KeyPaths.heartbeat, "t")
            return h.status("east")?.ready == true && h.cache("east") == MeshHarness.expectedCache(east)
        })
        #expect(h.status("east")?.revoked == false)
        await h.mesh.stop()
    }

    @Test func clusterConfigAndCanariesAreReEnforced() async {
        let h = MeshHarness { $0.enforceInterval = 300 }
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        let config = h.value("cilium/cluster-config/east")
        h.local.deleteRange(key: Array("cilium/cluster-config/east".utf8), end: [])
        h.local.deleteRange(key: Array(ReflectorKind.nodes.localCanary(remote: "east").utf8), end: [])
        #expect(await advance(h.clock, upTo: 310, step: 10) {
            h.value("cilium/cluster-config/east") == config && h.localCanaries("east") == Set(ReflectorKind.allCases)
        })
        await h.mesh.stop()
    }

    @Test func missingClusterConfigIsRetriedThenTheConnectionRestarts() async {
        let h = MeshHarness { $0.clusterConfigTimeout = 180 }
        let east = h.remote("east", id: 7)
        east.delete("cilium/cluster-config/east")
        await h.start(["east"])
        #expect(await eventually { h.status("east")?.connected == true && h.status("east")?.config?.required == true })
        #expect(h.status("east")?.config?.retrieved == false)
        #expect(h.cache("east").isEmpty)
        #expect(await advance(h.clock, upTo: 200, step: 5) { (h.status("east")?.failures ?? 0) >= 1 })
        #expect(h.status("east")?.lastFailure?.contains("failed to retrieve cluster configuration") == true)
        east.put("cilium/cluster-config/east", ClusterConfigValue(
            id: 7, endpointSlicesExportMode: ClusterConfigValue.exportModeServicesAndEndpointSlices).jsonBytes)
        #expect(await advance(h.clock, upTo: 120, step: 2) { h.status("east")?.ready == true })
        #expect(await h.converged(east))
        await h.mesh.stop()
    }
}

extension KVStoreMeshFailureTests {
    @Test func listIsPaginatedAndPinnedThenWatchedFromTheNextRevision() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        for i in 0..<600 {
            let n = Self.node(String(format: "p%03d", i), cluster: "east", id: 7)
            east.put(n.key, n.jsonBytes)
        }
        await h.start(["east"])
        #expect(await h.converged(east))
        let prefix = "cilium/state/nodes/v1/east/"
        #expect(await eventually { east.knobs.withLock { $0.watchLog.contains { $0.key == prefix } } })
        let (ranges, watches) = east.knobs.withLock { ($0.rangeLog, $0.watchLog) }
        let pages = ranges.filter { $0.key.hasPrefix(prefix) }
        let nodes = east.contents(prefix: prefix).keys.sorted()
        #expect(pages.count == (nodes.count + 255) / 256)
        #expect(pages.allSatisfy { $0.limit == 256 })
        #expect(pages.first?.key == prefix && pages.first?.revision == 0)
        let listRevision = pages.first!.headerRevision
        #expect(pages.dropFirst().allSatisfy { $0.revision == listRevision })
        // Page n + 1 starts right after the last key of page n.
        #expect(pages.dropFirst().map(\.key) == [nodes[255] + "\u{0}", nodes[511] + "\u{0}"])
        #expect(watches.first { $0.key == prefix }?.startRevision == listRevision + 1)
        await h.mesh.stop()
    }
}
