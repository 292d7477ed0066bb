import Synchronization
import Testing
@testable import MVCC

private func created(_ r: Result<(watchID: Int64, revision: Int64), WatchCreateError>) -> (Int64, Int64)? {
    if case .success(let v) = r { return (v.watchID, v.revision) }
    return nil
}

private func failure(_ r: Result<(watchID: Int64, revision: Int64), WatchCreateError>) -> WatchCreateError? {
    if case .failure(let e) = r { return e }
    return nil
}

/// etcd-v3-api.md §7.3 watch cases 23–36 at the store level, on seed F1 (revision 10).
@Suite struct KVStoreWatchTests {
    let s = KVStore.seededF1()

    @Test func case23SyncedWatcherGetsNothingWithoutWrites() {
        let w = s.makeWatchStream {}
        #expect(created(w.watch(WatchCreateRequest(key: b("a"))))! == (0, 10))
        s.syncWatchers()
        #expect(w.takePending(max: 10).isEmpty)
    }

    @Test func case24ReplayAllFromRevision1() {
        let w = s.makeWatchStream {}
        #expect(created(w.watch(WatchCreateRequest(key: [0], end: [0], startRevision: 1)))! == (0, 10))
        #expect(w.takePending(max: 10).isEmpty)
        s.syncWatchers()
        let expected: [Event] = [
            put("a", 2, 2, 1, "1"), put("b", 3, 3, 1, "2"), put("c", 4, 4, 1, "3"), put("a", 2, 5, 2, "10"),
            del("b", 6), put("d", 7, 7, 1, "4"), put("e", 7, 7, 1, "5"), put("foo/x", 8, 8, 1, "x1"),
            put("foo/y", 9, 9, 1, "y1"), put("b", 10, 10, 1, "20"),
        ]
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 10, events: expected)])
        // Now synced: live events follow.
        try! s.put(key: b("zz"), value: b("1"))
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 11, events: [put("zz", 11, 11, 1, "1")])])
    }

    @Test func case25PrevKV() {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("b"), startRevision: 6, prevKV: true))
        s.syncWatchers()
        #expect(w.takePending(max: 10) == [
            .events(watchID: 0, revision: 10, events: [del("b", 6, prev: kv("b", 3, 3, 1, "2")), put("b", 10, 10, 1, "20")])
        ])
        try! s.put(key: b("b"), value: b("21"))
        #expect(w.takePending(max: 10) == [
            .events(watchID: 0, revision: 11, events: [put("b", 10, 11, 2, "21", prev: kv("b", 10, 10, 1, "20"))])
        ])
    }

    @Test func case26NoPutFilter() {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: [0], end: [0], startRevision: 1, filters: [.noPut]))
        s.syncWatchers()
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 10, events: [del("b", 6)])])
        try! s.put(key: b("a"), value: b("x"))  // filtered: nothing queued
        s.deleteRange(key: b("a"), end: [])
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 12, events: [del("a", 12)])])
    }

    @Test func noDeleteFilterAndLivePrevKV() {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("a"), filters: [.noDelete], prevKV: true))
        s.deleteRange(key: b("a"), end: [])
        try! s.put(key: b("a"), value: b("new"))
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 12, events: [put("a", 12, 12, 1, "new")])])
    }

    @Test func case27AutoIDsPerStream() {
        let w1 = s.makeWatchStream {}
        let w2 = s.makeWatchStream {}
        #expect(created(w1.watch(WatchCreateRequest(key: b("a"))))!.0 == 0)
        #expect(created(w1.watch(WatchCreateRequest(key: b("c"))))!.0 == 1)
        #expect(created(w2.watch(WatchCreateRequest(key: b("a"))))!.0 == 0)
        // Auto IDs skip IDs taken explicitly.
        #expect(created(w1.watch(WatchCreateRequest(key: b("a"), watchID: 2)))!.0 == 2)
        #expect(created(w1.watch(WatchCreateRequest(key: b("a"))))!.0 == 3)
        #expect(w1.watcherCount == 4)
    }

    @Test func case28DuplicateID() {
        let w = s.makeWatchStream {}
        #expect(created(w.watch(WatchCreateRequest(key: b("a"), watchID: 7)))!.0 == 7)
        #expect(failure(w.watch(WatchCreateRequest(key: b("a"), watchID: 7))) == .duplicateID)
    }

    @Test func case29To30And36CreateRules() {
        let w = s.makeWatchStream {}
        #expect(failure(w.watch(WatchCreateRequest(key: b("a"), end: b("a")))) == .emptyRange)
        #expect(failure(w.watch(WatchCreateRequest(key: b("b"), end: b("a")))) == .emptyRange)
        #expect(created(w.watch(WatchCreateRequest(key: b("foo"), end: [0]))) != nil)
        #expect(failure(w.watch(WatchCreateRequest(key: b("a"), startRevision: -1))) == .compactedStart)
        // 36: empty key watches "\0".
        #expect(created(w.watch(WatchCreateRequest(key: []))) != nil)
        try! s.put(key: [0], value: b("zero"))
        try! s.put(key: b("fooo"), value: b("1"))
        #expect(w.takePending(max: 10) == [
            .events(watchID: 1, revision: 11, events: [Event(type: .put, kv: KeyValue(key: [0], createRevision: 11, modRevision: 11, version: 1, value: b("zero")))]),
            .events(watchID: 0, revision: 12, events: [put("fooo", 12, 12, 1, "1")]),
        ])
    }

    @Test func case31CompactedStart() {
        let f2 = KVStore.seededF2()
        let w = f2.makeWatchStream {}
        #expect(created(w.watch(WatchCreateRequest(key: b("a"), startRevision: 3)))! == (0, 10))
        f2.syncWatchers()
        #expect(w.takePending(max: 10) == [.compacted(watchID: 0, compactRevision: 5)])
        #expect(w.watcherCount == 0)
        // Start exactly at the compaction revision replays from it.
        _ = w.watch(WatchCreateRequest(key: b("a"), startRevision: 5))
        f2.syncWatchers()
        #expect(w.takePending(max: 10) == [.events(watchID: 1, revision: 10, events: [put("a", 2, 5, 2, "10")])])
    }

    @Test func replayPrevKVAtCompactionBoundaryIsDropped() {
        let f2 = KVStore.seededF2()
        let w = f2.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("a"), startRevision: 5, prevKV: true))
        f2.syncWatchers()
        // etcd reads prev_kv at revision 4, which is compacted: no prev_kv.
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 10, events: [put("a", 2, 5, 2, "10")])])
    }

    @Test func case32Cancel() {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("a")))
        try! s.put(key: b("a"), value: b("x"))
        #expect(w.cancel(watchID: 0) == 11)
        #expect(w.cancel(watchID: 99) == nil)
        #expect(w.takePending(max: 10).isEmpty)  // queued events of a canceled watcher are dropped
        try! s.put(key: b("a"), value: b("y"))
        #expect(w.takePending(max: 10).isEmpty)
        #expect(w.watcherCount == 0)
    }

    @Test func case33RequestProgress() {
        let empty = s.makeWatchStream {}
        #expect(empty.requestProgress() == nil)
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("a")))
        #expect(w.requestProgress() == 10)
        _ = w.watch(WatchCreateRequest(key: [0], end: [0], startRevision: 1))
        #expect(w.requestProgress() == nil)
        s.syncWatchers()
        #expect(w.requestProgress() == 10)
        _ = w.watch(WatchCreateRequest(key: b("a"), startRevision: 20))
        #expect(w.requestProgress() == nil)
    }

    @Test func case34LiveEventsPerTxn() throws {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("foo/"), end: b("foo0")))
        try s.put(key: b("foo/z"), value: b("z"))
        _ = try s.write { (t: inout WriteTransaction) throws(MVCCError) in
            try t.put(key: b("foo/p"), value: b("p"))
            try t.put(key: b("outside"), value: b("o"))
            try t.put(key: b("foo/q"), value: b("q"))
        }
        try s.put(key: b("zzz"), value: b("1"))
        #expect(w.takePending(max: 10) == [
            .events(watchID: 0, revision: 11, events: [put("foo/z", 11, 11, 1, "z")]),
            .events(watchID: 0, revision: 12, events: [put("foo/p", 12, 12, 1, "p"), put("foo/q", 12, 12, 1, "q")]),
        ])
    }

    @Test func case35FutureStartRevision() throws {
        let w = s.makeWatchStream {}
        #expect(created(w.watch(WatchCreateRequest(key: b("a"), startRevision: 12)))! == (0, 10))
        try s.put(key: b("a"), value: b("11"))
        try s.put(key: b("a"), value: b("12"))
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 12, events: [put("a", 2, 12, 4, "12")])])
    }

    @Test func progressNotifyTick() throws {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("a"), progressNotify: true))
        _ = w.watch(WatchCreateRequest(key: b("c"), progressNotify: true))
        _ = w.watch(WatchCreateRequest(key: b("d")))
        try s.put(key: b("a"), value: b("x"))
        _ = w.takePending(max: 10)
        s.progressNotifyTick()
        #expect(w.takePending(max: 10) == [.progress(watchID: 1, revision: 11)])
        s.progressNotifyTick()
        #expect(Set(w.takePending(max: 10).map(\.watchID)) == [0, 1])
    }

    @Test func onPendingFiresOutsideLockOnEmptyToNonEmpty() throws {
        let fired = Mutex(0)
        let store = s
        let w = s.makeWatchStream {
            _ = store.currentRevision  // would deadlock if called under the store lock
            fired.withLock { $0 += 1 }
        }
        _ = w.watch(WatchCreateRequest(key: b("a")))
        try s.put(key: b("a"), value: b("1"))
        try s.put(key: b("a"), value: b("2"))
        #expect(fired.withLock { $0 } == 1)
        #expect(w.takePending(max: 1).count == 1)
        #expect(w.takePending(max: 5).count == 1)
        try s.put(key: b("a"), value: b("3"))
        #expect(fired.withLock { $0 } == 2)
    }

    @Test func closeRemovesWatchers() throws {
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("a")))
        _ = w.watch(WatchCreateRequest(key: [0], end: [0], startRevision: 1))
        w.close()
        #expect(w.watcherCount == 0)
        try s.put(key: b("a"), value: b("1"))
        s.syncWatchers()
        #expect(w.takePending(max: 10).isEmpty)
        #expect(s.core.withLock { $0.hub.groups.isEmpty })
    }

    @Test func manyWatchersSameAndDistinctSpans() throws {
        let w = s.makeWatchStream {}
        for _ in 0..<50 { _ = w.watch(WatchCreateRequest(key: b("p/"), end: b("p0"))) }
        for i in 0..<50 { _ = w.watch(WatchCreateRequest(key: b("p/\(i)"))) }
        _ = w.watch(WatchCreateRequest(key: b("p/1"), end: b("p/2")))
        try s.put(key: b("p/1"), value: b("v"))
        let msgs = w.takePending(max: 1000)
        // 50 prefix watchers + single key p/1 + range [p/1, p/2).
        #expect(msgs.count == 52)
        #expect(Set(msgs.map(\.watchID)).count == 52)
    }
}

/// Slow consumers: writes never block; a victim catches up from history exactly once, in order.
@Suite struct WatchVictimTests {
    @Test func victimCatchesUpInOrderExactlyOnce() throws {
        let s = KVStore.make {
            $0.watchStreamQueueLimit = 4
            $0.watchBatchMaxRevisions = 3
        }
        let slow = s.makeWatchStream {}
        let fast = s.makeWatchStream {}
        _ = slow.watch(WatchCreateRequest(key: b("k/"), end: b("k0"), prevKV: true))
        _ = fast.watch(WatchCreateRequest(key: b("k/"), end: b("k0")))
        var fastEvents: [Event] = []
        var expected: [Int64] = []
        for i in 0..<50 {
            let r = try s.put(key: b("k/\(i % 7)"), value: b("\(i)"))
            expected.append(r.revision)
            for case .events(_, _, let evs) in fast.takePending(max: 100) { fastEvents += evs }
        }
        #expect(s.currentRevision == 51)
        #expect(fastEvents.map(\.kv.modRevision) == expected)
        #expect(slow.pendingCount == 4)
        var got: [Event] = []
        var rounds = 0
        while rounds < 100 {
            for case .events(_, _, let evs) in slow.takePending(max: 2) { got += evs }
            s.syncWatchers()
            rounds += 1
            if s.core.withLock({ $0.hub.unsynced.isEmpty }), slow.pendingCount == 0 { break }
        }
        #expect(got.map(\.kv.modRevision) == expected)
        #expect(got.allSatisfy { $0.prevKV != nil || $0.kv.version == 1 })
        // Synced again: live delivery.
        try s.put(key: b("k/x"), value: b("live"))
        #expect(slow.takePending(max: 10) == [.events(watchID: 0, revision: 52, events: [put("k/x", 52, 52, 1, "live")])])
    }

    @Test func victimBehindCompactionGetsCompacted() throws {
        let s = KVStore.make { $0.watchStreamQueueLimit = 1 }
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("k")))
        for i in 0..<5 { try s.put(key: b("k"), value: b("\(i)")) }
        try s.compact(5)
        _ = w.takePending(max: 10)
        s.syncWatchers()
        #expect(w.takePending(max: 10) == [.compacted(watchID: 0, compactRevision: 5)])
        #expect(w.watcherCount == 0)
    }

    @Test func replayBatchesByDistinctRevisions() throws {
        let s = KVStore.make { $0.watchBatchMaxRevisions = 2 }
        for i in 0..<5 { try s.put(key: b("k"), value: b("\(i)")) }  // revisions 2...6
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("k"), startRevision: 1))
        s.syncWatchers()
        let msgs = w.takePending(max: 10)
        let revs = msgs.map { m -> [Int64] in
            if case .events(_, let rev, let evs) = m {
                #expect(rev == 6)
                return evs.map(\.kv.modRevision)
            }
            return []
        }
        #expect(revs == [[2, 3], [4, 5], [6]])
    }
}

/// Writers, drainers and the sync timer racing: every watcher still sees every event once, in order.
@Suite struct WatchConcurrencyTests {
    @Test func concurrentWritersAndSlowDrainers() async throws {
        let s = KVStore.make { $0.watchStreamQueueLimit = 8 }
        let streams = (0..<3).map { _ in s.makeWatchStream {} }
        for w in streams { _ = w.watch(WatchCreateRequest(key: b("c/"), end: b("c0"))) }
        let writes = 400
        let collected = await withTaskGroup(of: [Int64]?.self) { group -> [[Int64]] in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<(writes / 4) { _ = try? s.put(key: b("c/\(t)/\(i % 5)"), value: b("\(i)")) }
                    return nil
                }
            }
            for w in streams {
                group.addTask {
                    var revs: [Int64] = []
                    var idle = 0
                    while idle < 2000 {
                        s.syncWatchers()
                        let msgs = w.takePending(max: 3)
                        if msgs.isEmpty { idle += 1; await Task.yield() } else { idle = 0 }
                        for case .events(_, _, let evs) in msgs { revs += evs.map(\.kv.modRevision) }
                        if revs.count == writes { break }
                    }
                    return revs
                }
            }
            var out: [[Int64]] = []
            for await r in group { if let r { out.append(r) } }
            return out
        }
        #expect(s.currentRevision == Int64(writes) + 1)
        for revs in collected {
            #expect(revs == Array(2...Int64(writes + 1)))
        }
    }
}
