import Foundation
import KVStoreMesh
import Mesh
import MVCC
import Testing

/// Adding, changing and removing remotes at run time.
@Suite struct KVStoreMeshLifecycleTests {
    @Test func addedAtRunTimeThenRemovedWithDrainDelay() async {
        let h = MeshHarness { $0.drainDelay = 180 }
        let east = h.remote("east", id: 7)
        await h.start([])
        #expect(h.mesh.isReady)  // nothing known at start
        await h.mesh.reconcile(["east": MeshHarness.file("east")])
        #expect(await h.converged(east))
        let cached = h.cache("east")
        #expect(cached.count > 5)

        await h.mesh.reconcile([:])
        // The cluster config goes first; data and canaries wait for the grace period.
        #expect(h.value("cilium/cluster-config/east") == nil)
        #expect(h.cache("east") == cached)
        #expect(h.localCanaries("east") == Set(ReflectorKind.allCases))
        #expect(await h.mesh.pendingDrains() == ["east"])
        #expect(h.mesh.status().isEmpty)
        h.clock.advance(by: 179)
        try? await Task.sleep(for: .milliseconds(20))
        #expect(h.cache("east") == cached)
        #expect(await advance(h.clock, upTo: 5) { h.cache("east").isEmpty && h.keys(prefix: "cilium/synced/east/").isEmpty })
        #expect(await eventually { await h.mesh.pendingDrains().isEmpty })
        #expect(h.logs.count(containing: "cached keys") == 1)
        await h.mesh.stop()
    }

    @Test func backDuringTheDrainDelayCancelsTheDrainAndRelistRemovesStaleKeys() async {
        let h = MeshHarness { $0.drainDelay = 180 }
        let east = h.remote("east", id: 7)
        await h.start(["east"])
        #expect(await h.converged(east))
        await h.mesh.reconcile([:])
        // While it is gone, the remote loses a node.
        let node = east.contents(prefix: "cilium/state/nodes/v1/east/").keys.sorted().first!
        east.delete(node)
        h.clock.advance(by: 60)
        await h.mesh.reconcile(["east": MeshHarness.file("east")])
        #expect(await h.mesh.pendingDrains().isEmpty)
        #expect(await h.converged(east))
        #expect(h.text("cilium/cluster-config/east") != nil)
        // The canceled drain never runs.
        h.clock.advance(by: 600)
        try? await Task.sleep(for: .milliseconds(30))
        #expect(h.cache("east") == MeshHarness.expectedCache(east))
        #expect(h.logs.count(containing: "pending drain canceled") == 1)
        await h.mesh.stop()
    }

    @Test func changedFileReconnectsThatRemoteOnlyWithoutTouchingTheCache() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7), west = h.remote("west", id: 8)
        await h.start(["east", "west"])
        #expect(await h.converged(east))
        #expect(await h.converged(west))
        let before = h.cache("east")
        let watch = h.local.makeWatchStream(onPending: {})
        _ = watch.watch(WatchCreateRequest(key: Array("cilium/".utf8), end: Array("cilium0".utf8)))
        // Certificate rotation: same cluster, new file contents.
        let rotated = RemoteConfigFile(
            name: "east", path: "/var/lib/cilium/clustermesh/east",
            contents: Array("endpoints:\n- https://127.0.0.1:2379\ncert-file: /new.crt\n".utf8))
        await h.mesh.reconcile(["east": rotated, "west": MeshHarness.file("west")])
        #expect(await eventually { h.factory.attempts("east").count == 2 })
        #expect(h.factory.attempts("east").last?.contains("/new.crt") == true)
        #expect(h.factory.attempts("west").count == 1)
        #expect(await h.converged(east))
        #expect(h.status("east")?.configSHA256 == rotated.sha256)
        #expect(h.status("east")?.failures == 0)
        // The reconnect rewrote nothing: same values, and no deletes or puts of cache keys.
        #expect(h.cache("east") == before)
        let events = watch.takePending(max: 1000).flatMap { m -> [Event] in
            if case .events(_, _, let e) = m { return e } else { return [] }
        }
        #expect(!events.contains { String(decoding: $0.kv.key, as: UTF8.self).hasPrefix("cilium/cache/") })
        // Same contents again: nothing happens.
        await h.mesh.reconcile(["east": rotated, "west": MeshHarness.file("west")])
        try? await Task.sleep(for: .milliseconds(20))
        #expect(h.factory.attempts("east").count == 2)
        watch.close()
        await h.mesh.stop()
    }

    @Test func followsAKubernetesSecretVolumeWithDataSymlinkSwaps() async throws {
        let dir = try TempDirectory()
        let h = MeshHarness { $0.configPollInterval = 1 }
        let east = h.remote("east", id: 7), west = h.remote("west", id: 8)
        try dir.secretVolume(version: 1, files: ["east": "endpoints:\n- https://east:2379\n"])
        await h.mesh.start(directory: dir.path)
        #expect(await h.converged(east))
        #expect(h.status("west") == nil)

        // Kubernetes adds a key: new ..<timestamp> directory, ..data swapped atomically.
        try dir.secretVolume(version: 2, files: [
            "east": "endpoints:\n- https://east:2379\n", "west": "endpoints:\n- https://west:2379\n",
        ])
        #expect(await advance(h.clock, upTo: 10) { h.status("west")?.ready == true })
        #expect(await h.converged(west))
        #expect(h.factory.attempts("east").count == 1)  // unchanged content: not reconnected

        // Rotation of east's content.
        try dir.secretVolume(version: 3, files: [
            "east": "endpoints:\n- https://east:2380\n", "west": "endpoints:\n- https://west:2379\n",
        ])
        #expect(await advance(h.clock, upTo: 10) { h.factory.attempts("east").count == 2 })
        #expect(h.factory.attempts("east").last?.contains("east:2380") == true)

        // west removed from the Secret: removal (cluster config first).
        try dir.secretVolume(version: 4, files: ["east": "endpoints:\n- https://east:2380\n"])
        #expect(await advance(h.clock, upTo: 10) { h.status("west") == nil })
        #expect(h.value("cilium/cluster-config/west") == nil)
        #expect(h.value("cilium/cluster-config/east") != nil)
        await h.mesh.stop()
    }

    @Test func fileWithoutEndpointsCountsAsRemoved() async throws {
        let dir = try TempDirectory()
        let h = MeshHarness { $0.drainDelay = 0 }
        let east = h.remote("east", id: 7)
        try dir.write("east", "endpoints:\n- https://east:2379\n")
        await h.mesh.start(directory: dir.path)
        #expect(await h.converged(east))
        try dir.write("east", "# emptied\n")
        #expect(await advance(h.clock, upTo: 10) { h.status("east") == nil && h.cache("east").isEmpty })
        #expect(h.value("cilium/cluster-config/east") == nil)
        await h.mesh.stop()
    }
}

/// A temporary directory, removed when the value is released.
final class TempDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kvsm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    /// The layout kubelet writes for a Secret volume: `..<ts>/<key>` files, `..data -> ..<ts>`
    /// swapped by rename, and `<key> -> ..data/<key>` symlinks.
    func secretVolume(version: Int, files: [String: String]) throws {
        let fm = FileManager.default
        let ts = "..2026_12_02_17_00_0\(version).\(version)"
        try fm.createDirectory(atPath: path + "/" + ts, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + ts + "/" + name)) }
        try? fm.removeItem(atPath: path + "/..data_tmp")
        try fm.createSymbolicLink(atPath: path + "/..data_tmp", withDestinationPath: ts)
        guard rename(path + "/..data_tmp", path + "/..data") == 0 else { throw CocoaError(.fileWriteUnknown) }
        for name in try fm.contentsOfDirectory(atPath: path) where !name.hasPrefix(".") {
            if files[name] == nil { try fm.removeItem(atPath: path + "/" + name) }
        }
        for name in files.keys where (try? fm.destinationOfSymbolicLink(atPath: path + "/" + name)) == nil {
            try fm.createSymbolicLink(atPath: path + "/" + name, withDestinationPath: "..data/" + name)
        }
    }
}
