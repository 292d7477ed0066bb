import KVStoreMesh
import Synchronization
import Testing

/// A client that never answers and ignores cancellation and close: the worst a remote (or a
/// buggy client) can do. KVStoreMesh must neither hang nor leak its own progress on it.
final class HungClient: RemoteClient, RemoteClientFactory {
    private let calls = Mutex(0)

    var callCount: Int { calls.withLock { $0 } }

    private func forever() async {
        calls.withLock { $0 += 1 }
        // Not cancellable: a continuation nobody resumes.
        await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
    }

    func range(key: [UInt8], rangeEnd: [UInt8], revision: Int64, limit: Int64) async throws(RemoteClientError) -> RemoteRangeResult {
        await forever()
        throw .closed
    }

    func watch(key: [UInt8], rangeEnd: [UInt8], startRevision: Int64) async throws(RemoteClientError) -> any RemoteWatch {
        await forever()
        throw .closed
    }

    func close() async { await forever() }

    func makeClient(clusterName: String, configPath: String, configContents: [UInt8]) throws(RemoteClientError) -> any RemoteClient {
        self
    }
}

@Suite struct DeadlineTests {
    @Test func aRemoteThatNeverAnswersTimesOutAndStopStillReturns() async {
        let clock = ManualClock()
        let hung = HungClient()
        var c = KVStoreMeshConfiguration(clusterName: "local", clusterID: 1)
        c.connectTimeout = 60
        c.requestTimeout = 30
        c.random = { 0.5 }
        let logs = LogCollector()
        let mesh = KVStoreMesh(configuration: c, store: MVCC.KVStore(), factory: hung, clock: clock, log: logs.sink)
        await mesh.start(files: ["east": MeshHarness.file("east")])
        #expect(await advance(clock, upTo: 200, step: 5) { (mesh.status().first?.failures ?? 0) >= 2 })
        #expect(mesh.status().first?.connected == false)
        #expect(hung.callCount >= 2)
        let stopped = Mutex(false)
        let stopper = Task {
            await mesh.stop()
            stopped.withLock { $0 = true }
        }
        #expect(await advance(clock, upTo: 60, step: 1) { stopped.withLock { $0 } })
        stopper.cancel()
    }
}

import MVCC
