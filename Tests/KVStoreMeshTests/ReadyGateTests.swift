import KVStoreMesh
import Mesh
import Testing

/// The KVStoreMesh ready gate (reference/cilium-1.19-plus.md §A.3).
@Suite struct ReadyGateTests {
    @Test func noRemotesAtStartIsReadyAtOnce() async {
        let h = MeshHarness()
        #expect(!h.mesh.isReady)  // not started
        await h.start([])
        #expect(h.mesh.isReady)
        #expect(h.mesh.bootstrapSeconds == 0)
    }

    @Test func waitsForEveryReflectorOfEveryRemoteKnownAtStart() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7), west = h.remote("west", id: 8)
        west.freeze()
        await h.start(["east", "west"])
        #expect(await h.converged(east))
        #expect(!h.mesh.isReady)
        west.unfreeze()
        #expect(await h.converged(west))
        #expect(h.mesh.isReady)
        // Remotes added later are not part of the gate, and it stays open.
        h.remote("north", id: 9).freeze()
        await h.mesh.reconcile(["east": MeshHarness.file("east"), "west": MeshHarness.file("west"), "north": MeshHarness.file("north")])
        #expect(h.mesh.isReady)
        await h.mesh.stop()
    }

    @Test func remoteThatNeverConnectsIsDroppedAfterThePerClusterTimeout() async {
        let h = MeshHarness { $0.perClusterReadyTimeout = 15 }
        let east = h.remote("east", id: 7)
        await h.start(["east", "ghost"])  // ghost: no such remote, every attempt fails
        #expect(await h.converged(east))
        h.clock.advance(by: 14)
        #expect(!h.mesh.isReady)
        h.clock.advance(by: 1)
        #expect(await eventually { h.mesh.isReady })
        #expect(h.mesh.bootstrapSeconds == 15)
        await h.mesh.stop()
    }

    @Test func connectedButUnsyncedRemoteHoldsTheGateUntilTheGlobalTimeout() async {
        let h = MeshHarness {
            $0.perClusterReadyTimeout = 15
            $0.globalReadyTimeout = 600
        }
        let east = h.remote("east", id: 7)
        // Connected and config read, but the remote never publishes its nodes canary.
        east.delete(KeyPaths.synced(cluster: "east", prefix: KeyPaths.nodesPrefix))
        await h.start(["east"])
        #expect(await eventually { h.status("east")?.config?.retrieved == true })
        h.clock.advance(by: 30)
        try? await Task.sleep(for: .milliseconds(10))
        #expect(!h.mesh.isReady)
        h.clock.advance(by: 570)
        #expect(await eventually { h.mesh.isReady })
        #expect(h.logs.count(containing: "failed to wait for synchronization") == 1)
        await h.mesh.stop()
    }

    @Test func removedRemoteLeavesTheGate() async {
        let h = MeshHarness()
        let east = h.remote("east", id: 7)
        east.delete(KeyPaths.synced(cluster: "east", prefix: KeyPaths.nodesPrefix))
        await h.start(["east"])
        #expect(await eventually { h.status("east")?.config?.retrieved == true })
        #expect(!h.mesh.isReady)
        await h.mesh.reconcile([:])
        #expect(h.mesh.isReady)
        await h.mesh.stop()
    }
}
