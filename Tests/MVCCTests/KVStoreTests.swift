import Testing
@testable import MVCC

private let all: (key: [UInt8], end: [UInt8]) = ([0], [0])

struct RangeCase: CustomTestStringConvertible, Sendable {
    var name: String
    var key: [UInt8]
    var end: [UInt8]
    var options = RangeOptions()
    var keys: [String]
    var count: Int64
    var more = false
    var testDescription: String { name }
}

private func opts(_ f: (inout RangeOptions) -> Void) -> RangeOptions {
    var o = RangeOptions()
    f(&o)
    return o
}

/// etcd-v3-api.md §7.3 cases 1–18 on seed F1 (plus etcd `TestV3RangeRequest` sort cases).
let f1RangeCases: [RangeCase] = [
    .init(name: "1 single key", key: b("a"), end: [], keys: ["a"], count: 1),
    .init(name: "2 missing key", key: b("zz"), end: [], keys: [], count: 0),
    .init(name: "3 all keys", key: all.key, end: all.end, keys: ["a", "b", "c", "d", "e", "foo/x", "foo/y"], count: 7),
    .init(name: "4 prefix", key: b("foo/"), end: b("foo0"), keys: ["foo/x", "foo/y"], count: 2),
    .init(name: "5 from key", key: b("c"), end: [0], keys: ["c", "d", "e", "foo/x", "foo/y"], count: 5),
    .init(name: "6 limit", key: all.key, end: all.end, options: opts { $0.limit = 2 }, keys: ["a", "b"], count: 7, more: true),
    .init(name: "7 revision 4", key: all.key, end: all.end, options: opts { $0.revision = 4 }, keys: ["a", "b", "c"], count: 3),
    .init(name: "8 revision 6", key: all.key, end: all.end, options: opts { $0.revision = 6 }, keys: ["a", "c"], count: 2),
    .init(name: "11 count only", key: all.key, end: all.end, options: opts { $0.countOnly = true }, keys: [], count: 7),
    .init(
        name: "13 limit descend key", key: all.key, end: all.end,
        options: opts { $0.limit = 1; $0.sortOrder = .descend; $0.sortTarget = .key }, keys: ["foo/y"], count: 7, more: true),
    .init(
        name: "14 ascend mod", key: all.key, end: all.end, options: opts { $0.sortOrder = .ascend; $0.sortTarget = .mod },
        keys: ["c", "a", "d", "e", "foo/x", "foo/y", "b"], count: 7),
    .init(
        name: "15 create, order none", key: all.key, end: all.end, options: opts { $0.sortTarget = .create },
        keys: ["a", "c", "d", "e", "foo/x", "foo/y", "b"], count: 7),
    .init(
        name: "16 min mod", key: all.key, end: all.end, options: opts { $0.minModRevision = 7 },
        keys: ["b", "d", "e", "foo/x", "foo/y"], count: 7),
    .init(
        name: "17 max create + limit", key: all.key, end: all.end, options: opts { $0.maxCreateRevision = 4; $0.limit = 1 },
        keys: ["a"], count: 7, more: true),
    .init(name: "18 end before key", key: b("c"), end: b("a"), keys: [], count: 0),
    .init(name: "18 end equals key", key: b("a"), end: b("a"), keys: [], count: 0),
    .init(
        name: "descend mod keeps key order on ties", key: all.key, end: all.end,
        options: opts { $0.sortOrder = .descend; $0.sortTarget = .mod },
        keys: ["b", "foo/y", "foo/x", "d", "e", "a", "c"], count: 7),
    .init(
        name: "descend version", key: all.key, end: all.end, options: opts { $0.sortOrder = .descend; $0.sortTarget = .version },
        keys: ["a", "b", "c", "d", "e", "foo/x", "foo/y"], count: 7),
    .init(
        name: "ascend value", key: all.key, end: all.end, options: opts { $0.sortOrder = .ascend; $0.sortTarget = .value },
        keys: ["a", "b", "c", "d", "e", "foo/x", "foo/y"], count: 7),
    .init(
        name: "ascend key with limit", key: all.key, end: all.end, options: opts { $0.sortOrder = .ascend; $0.limit = 3 },
        keys: ["a", "b", "c"], count: 7, more: true),
    .init(
        name: "max mod + min create", key: all.key, end: all.end,
        options: opts { $0.maxModRevision = 8; $0.minCreateRevision = 4 }, keys: ["c", "d", "e", "foo/x"], count: 7),
    .init(name: "limit equals result size", key: b("foo/"), end: b("foo0"), options: opts { $0.limit = 2 }, keys: ["foo/x", "foo/y"], count: 2),
    .init(name: "negative limit means none", key: b("foo/"), end: b("foo0"), options: opts { $0.limit = -1 }, keys: ["foo/x", "foo/y"], count: 2),
    .init(name: "range at pinned revision 8", key: all.key, end: all.end, options: opts { $0.revision = 8; $0.limit = 2 }, keys: ["a", "c"], count: 5, more: true),
]

@Suite struct KVStoreRangeTests {
    static let store = KVStore.seededF1()

    @Test(arguments: f1RangeCases)
    func f1Range(_ c: RangeCase) throws {
        let r = try Self.store.range(key: c.key, end: c.end, options: c.options)
        #expect(keys(r.kvs) == c.keys)
        #expect(r.count == c.count)
        #expect(r.more == c.more)
        #expect(r.revision == 10)
    }

    @Test func exactKeyValues() throws {
        let s = Self.store
        #expect(try s.range(key: b("a"), end: []).kvs == [kv("a", 2, 5, 2, "10")])
        var o = RangeOptions()
        o.revision = 4
        #expect(try s.range(key: [0], end: [0], options: o).kvs == [kv("a", 2, 2, 1, "1"), kv("b", 3, 3, 1, "2"), kv("c", 4, 4, 1, "3")])
        o.revision = 6
        #expect(try s.range(key: [0], end: [0], options: o).kvs == [kv("a", 2, 5, 2, "10"), kv("c", 4, 4, 1, "3")])
        #expect(try s.range(key: b("b"), end: []).kvs == [kv("b", 10, 10, 1, "20")])
        #expect(try s.range(key: b("d"), end: b("f")).kvs == [kv("d", 7, 7, 1, "4"), kv("e", 7, 7, 1, "5")])
    }

    @Test func keysOnlyClearsValues() throws {
        var o = RangeOptions()
        o.keysOnly = true
        let r = try Self.store.range(key: b("foo/"), end: b("foo0"), options: o)
        #expect(r.kvs == [kv("foo/x", 8, 8, 1, ""), kv("foo/y", 9, 9, 1, "")])
    }

    @Test func futureRevision() {
        var o = RangeOptions()
        o.revision = 11
        #expect(throws: MVCCError.futureRevision) { try Self.store.range(key: b("a"), end: [], options: o) }
    }

    /// Case 19 on seed F2.
    @Test func compactedRevision() throws {
        let s = KVStore.seededF2()
        var o = RangeOptions()
        o.revision = 4
        #expect(throws: MVCCError.compacted) { try s.range(key: b("a"), end: [], options: o) }
        o.revision = 5
        #expect(try s.range(key: b("a"), end: [], options: o).kvs == [kv("a", 2, 5, 2, "10")])
        o.revision = 0
        #expect(try s.range(key: [0], end: [0], options: o).count == 7)
        #expect(s.compactedRevision == 5)
    }
}

@Suite struct KVStoreWriteTests {
    @Test func freshStore() throws {
        let s = KVStore()
        #expect(s.currentRevision == 1)
        #expect(s.compactedRevision == -1)  // etcd: compactMainRev starts at -1
        let r = try s.put(key: b("k"), value: b("v"))
        #expect(r.revision == 2)
        #expect(r.prev == nil)
        let r2 = try s.put(key: b("k"), value: b("w"))
        #expect(r2.revision == 3)
        #expect(r2.prev == kv("k", 2, 2, 1, "v"))
        #expect(s.keyCount == 1)
    }

    @Test func deleteMissingKeepsRevision() {
        let s = KVStore.seededF1()
        let r = s.deleteRange(key: b("zz"), end: [])
        #expect(r.revision == 10)
        #expect(r.deleted.isEmpty)
        #expect(s.currentRevision == 10)
    }

    @Test func deleteRangeReturnsPrevious() throws {
        let s = KVStore.seededF1()
        let r = s.deleteRange(key: b("foo/"), end: b("foo0"))
        #expect(r.revision == 11)
        #expect(r.deleted == [kv("foo/x", 8, 8, 1, "x1"), kv("foo/y", 9, 9, 1, "y1")])
        #expect(s.keyCount == 5)
        // Re-creation starts a new generation.
        try s.put(key: b("foo/x"), value: b("n"))
        #expect(try s.range(key: b("foo/x"), end: []).kvs == [kv("foo/x", 12, 12, 1, "n")])
    }

    @Test func txnSharesOneRevisionAndSeesOwnWrites() throws {
        let s = KVStore.seededF1()
        let (seen, rev) = try s.write { (t: inout WriteTransaction) throws(MVCCError) -> [KeyValue] in
            #expect(t.currentRevision == 10)
            try t.put(key: b("x"), value: b("1"))
            try t.put(key: b("a"), value: b("11"))
            t.deleteRange(key: b("c"), end: [])
            let r = try t.range(key: [0], end: [0])
            #expect(r.revision == 11)
            var old = RangeOptions()
            old.revision = 10
            let before = try t.range(key: [0], end: [0], options: old)
            #expect(keys(before.kvs) == ["a", "b", "c", "d", "e", "foo/x", "foo/y"])
            #expect(before.count == 7)
            return r.kvs
        }
        #expect(rev == 11)
        #expect(keys(seen) == ["a", "b", "d", "e", "foo/x", "foo/y", "x"])
        #expect(seen[0] == kv("a", 2, 11, 3, "11"))
        #expect(s.keyCount == 7)
    }

    @Test func txnWithoutChangesKeepsRevision() throws {
        let s = KVStore.seededF1()
        let (n, rev) = try s.write { (t: inout WriteTransaction) throws(MVCCError) -> Int64 in
            try t.range(key: b("a"), end: []).count
        }
        #expect(n == 1)
        #expect(rev == 10)
        #expect(s.currentRevision == 10)
    }

    struct Abort: Error {}

    @Test func throwingTxnRollsBack() throws {
        let s = KVStore.seededF1()
        let before = try s.range(key: [0], end: [0])
        #expect(throws: Abort.self) {
            try s.write { (t: inout WriteTransaction) throws(Abort) in
                _ = try? t.put(key: b("new"), value: b("1"))
                _ = try? t.put(key: b("a"), value: b("changed"))
                t.deleteRange(key: b("c"), end: [])
                _ = try? t.put(key: b("c"), value: b("again"))
                t.deleteRange(key: b("d"), end: [])
                throw Abort()
            }
        }
        #expect(s.currentRevision == 10)
        #expect(try s.range(key: [0], end: [0]) == before)
        #expect(s.keyCount == 7)
        // The next write still gets revision 11 and the history has no trace of the aborted txn.
        #expect(try s.put(key: b("z"), value: b("1")).revision == 11)
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: [0], end: [0], startRevision: 11))
        s.syncWatchers()
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 11, events: [put("z", 11, 11, 1, "1")])])
    }

    @Test func putTwiceInOneTxn() throws {
        let s = KVStore()
        let (prev, rev) = try s.write { (t: inout WriteTransaction) throws(MVCCError) -> KeyValue? in
            try t.put(key: b("k"), value: b("1"))
            return try t.put(key: b("k"), value: b("2"))
        }
        #expect(rev == 2)
        #expect(prev == kv("k", 2, 2, 1, "1"))
        #expect(try s.range(key: b("k"), end: []).kvs == [kv("k", 2, 2, 2, "2")])
    }

    @Test func ignoreValueAndLease() throws {
        let s = KVStore()
        let lease = try s.grantLease(id: 5, ttl: 60).id
        try s.put(key: b("k"), value: b("v"), lease: lease)
        _ = try s.write { (t: inout WriteTransaction) throws(MVCCError) in
            try t.put(key: b("k"), value: [], lease: lease, ignoreValue: true, ignoreLease: false)
        }
        #expect(try s.range(key: b("k"), end: []).kvs == [kv("k", 2, 3, 2, "v", lease: 5)])
        _ = try s.write { (t: inout WriteTransaction) throws(MVCCError) in
            try t.put(key: b("k"), value: b("w"), lease: 0, ignoreValue: false, ignoreLease: true)
        }
        #expect(try s.range(key: b("k"), end: []).kvs == [kv("k", 2, 4, 3, "w", lease: 5)])
        #expect(throws: MVCCError.keyNotFound) {
            try s.write { (t: inout WriteTransaction) throws(MVCCError) in
                try t.put(key: b("missing"), value: [], lease: 0, ignoreValue: true, ignoreLease: false)
            }
        }
        #expect(s.currentRevision == 4)
    }

    @Test func tooManyKeys() throws {
        let s = KVStore.make { $0.maxKeys = 2 }
        try s.put(key: b("a"), value: [])
        try s.put(key: b("b"), value: [])
        #expect(throws: MVCCError.tooManyKeys) { try s.put(key: b("c"), value: []) }
        try s.put(key: b("a"), value: b("update is fine"))
    }
}

@Suite struct KVStoreCompactionTests {
    /// etcd `TestKVCompactError`.
    @Test func compactErrors() throws {
        let s = KVStore.seededF1()
        try s.compact(6)
        #expect(throws: MVCCError.compacted) { try s.compact(6) }
        #expect(throws: MVCCError.compacted) { try s.compact(5) }
        #expect(throws: MVCCError.futureRevision) { try s.compact(100) }
        try s.compact(10)
        #expect(s.compactedRevision == 10)
        #expect(try s.range(key: [0], end: [0]).count == 7)
    }

    @Test func compactionDropsTombstonedKeys() throws {
        let s = KVStore.seededF1()
        s.deleteRange(key: b("a"), end: [])  // 11
        try s.put(key: b("q"), value: b("1"))  // 12
        try s.compact(12)
        let n = s.core.withLock { $0.index.recordCount }
        #expect(n == 7)  // b c d e foo/x foo/y q; "a" is gone
        #expect(try s.range(key: [0], end: [0]).count == 7)
        var o = RangeOptions()
        o.revision = 12
        #expect(keys(try s.range(key: [0], end: [0], options: o).kvs) == ["b", "c", "d", "e", "foo/x", "foo/y", "q"])
    }

    @Test func initialRevisionCountsAsCompacted() throws {
        let s = KVStore.make { $0.initialRevision = 1000 }
        #expect(s.currentRevision == 1000)
        #expect(s.compactedRevision == 1000)
        #expect(try s.put(key: b("k"), value: b("v")).revision == 1001)
        var o = RangeOptions()
        o.revision = 999
        #expect(throws: MVCCError.compacted) { try s.range(key: b("k"), end: [], options: o) }
        o.revision = 1000
        #expect(try s.range(key: b("k"), end: [], options: o).count == 0)
        #expect(throws: MVCCError.compacted) { try s.compact(1000) }
        let w = s.makeWatchStream {}
        guard case .success(let old) = w.watch(WatchCreateRequest(key: b("k"), startRevision: 500)) else {
            Issue.record("watch failed")
            return
        }
        _ = w.watch(WatchCreateRequest(key: b("k"), startRevision: 1000))
        s.syncWatchers()
        #expect(w.takePending(max: 10) == [
            .compacted(watchID: old.watchID, compactRevision: 1000),
            .events(watchID: 1, revision: 1001, events: [put("k", 1001, 1001, 1, "v")]),
        ])
        #expect(w.watcherCount == 1)
    }

    @Test func autoCompactByRevisionsAndAge() throws {
        let clock = TestClock()
        let s = KVStore.make(clock: clock) {
            $0.historyMaxRevisions = 5
            $0.historyMaxAgeSeconds = 60
            $0.compactionBatchRevisions = 2
        }
        for i in 0..<20 { try s.put(key: b("k\(i % 3)"), value: b("\(i)")) }
        #expect(s.currentRevision == 21)
        s.autoCompact()
        #expect(s.compactedRevision == 16)
        for _ in 0..<10 { s.autoCompact() }
        #expect(s.core.withLock { $0.history.firstRevision } == 16)
        clock.advance(30)
        try s.put(key: b("k0"), value: b("late"))  // 22
        clock.advance(40)
        s.autoCompact()
        // Everything before the last write is older than 60 s: the state at 21 is no longer readable.
        #expect(s.compactedRevision == 21)
        var o = RangeOptions()
        o.revision = 21
        #expect(try s.range(key: b("k0"), end: [], options: o).kvs.first?.value == b("18"))
        clock.advance(100)
        s.autoCompact()
        #expect(s.compactedRevision == 22)
        #expect(try s.range(key: [0], end: [0]).count == 3)
    }
}
