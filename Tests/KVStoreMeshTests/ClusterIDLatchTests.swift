@testable import KVStoreMesh
import Testing

@Suite struct ClusterIDLatchTests {
    @Test func latchesTheFirstIDAndRejectsAnyOther() throws {
        let latch = ClusterIDLatch()
        #expect(latch.value == nil)
        try latch.check(RemoteHeader(clusterID: 7, revision: 1))
        try latch.check(RemoteHeader(clusterID: 7, revision: 9))
        #expect(latch.value == 7)
        #expect(throws: ConnectionFailure.clusterIDChanged(from: 7, to: 8)) {
            try latch.check(RemoteHeader(clusterID: 8, revision: 10))
        }
        #expect(ConnectionFailure.clusterIDChanged(from: 7, to: 8).endsConnection)
        #expect(!ConnectionFailure.remote(.compacted(3)).endsConnection)
        #expect(ConnectionFailure.remote(.closed).endsConnection)
    }
}

@Suite struct AsyncFlagsTests {
    @Test func waitersWakeOnOpenAndOnCancellation() async {
        let flags = AsyncFlags<Int>()
        let waiter = Task { await flags.wait(1) }
        flags.open(2)
        flags.open(1)
        await waiter.value
        await flags.wait(1)  // already open: returns at once
        let cancelled = Task { await flags.wait(3) }
        cancelled.cancel()
        await cancelled.value
        #expect(!flags.isOpen(3))
    }

    @Test func deadlineDoesNotWaitForAHungOperation() async {
        let clock = ManualClock()
        let task = Task { () async -> RemoteClientError? in
            do throws(RemoteClientError) {
                _ = try await Deadline.run(clock: clock, seconds: 5) { () async throws(RemoteClientError) -> Int in
                    await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }  // never
                    return 1
                }
                return nil
            } catch {
                return error
            }
        }
        #expect(await eventually { clock.sleeping == 1 })
        clock.advance(by: 5)
        #expect(await task.value == .deadlineExceeded)
    }
}
