@testable import KVStoreMesh
import MVCC
import Testing

@Suite struct CacheWriterTests {
    func op(_ key: String, _ value: String?) -> CacheOp { CacheOp(key: Array(key.utf8), value: value.map { Array($0.utf8) }) }

    @Test func boundedTransactionsAndUnchangedValuesSkipped() async {
        let store = KVStore()
        let writer = CacheWriter(store: store, maxOps: 3, maxBytes: 1 << 20)
        let start = store.currentRevision
        let ops = (0..<10).map { op("k/\($0)", "v\($0)") }
        var outcome = await writer.apply(ops)
        #expect(outcome.created == 10)
        #expect(store.currentRevision == start + 4)  // ceil(10 / 3) transactions
        outcome = await writer.apply(ops)
        #expect(outcome.unchanged == 10)
        #expect(store.currentRevision == start + 4)  // nothing rewritten
        outcome = await writer.apply([op("k/1", "new"), op("k/2", nil), op("missing", nil)])
        #expect(outcome == CacheWriter.Outcome(created: 0, updated: 1, deleted: 1, unchanged: 0, refused: 0, errors: []))
    }

    @Test func byteBoundSplitsTransactions() async {
        let store = KVStore()
        let writer = CacheWriter(store: store, maxOps: 100, maxBytes: 100)
        let start = store.currentRevision
        let big = String(repeating: "x", count: 60)
        _ = await writer.apply((0..<4).map { op("k\($0)", big) })
        #expect(store.currentRevision == start + 4)
    }

    @Test func createBudgetRefusesNewKeysOnly() async {
        let store = KVStore()
        let writer = CacheWriter(store: store, maxOps: 2, maxBytes: 1 << 20)
        _ = await writer.apply([op("a", "1")])
        let outcome = await writer.apply([op("a", "2"), op("b", "1"), op("c", "1"), op("d", "1")], createBudget: 1)
        #expect(outcome.updated == 1)
        #expect(outcome.created == 1)
        #expect(outcome.refused == 2)
        #expect(writer.value("a") == Array("2".utf8))
        #expect(writer.value("b") == Array("1".utf8))
        #expect(writer.value("c") == nil)
    }

    @Test func deletePrefixAndStaleKeys() async {
        let store = KVStore()
        let writer = CacheWriter(store: store, maxOps: 7, maxBytes: 1 << 20)
        _ = await writer.apply((0..<2500).map { op("p/\($0)", "v") } + [op("q/0", "v"), op("p", "v")])
        let keep = Set((0..<2500).filter { $0 % 2 == 0 }.map { Array("p/\($0)".utf8) })
        let stale = writer.keys(under: Array("p/".utf8), notIn: keep)
        #expect(stale.count == 1250)
        #expect(writer.count(prefix: Array("p/".utf8)) == 2500)
        #expect(await writer.deletePrefix(Array("p/".utf8)) == 2500)
        #expect(writer.count(prefix: Array("p/".utf8)) == 0)
        #expect(writer.value("q/0") != nil && writer.value("p") != nil)
        #expect(KeyBytes.prefixEnd([0x61, 0xFF]) == [0x62])
        #expect(KeyBytes.prefixEnd([0xFF]) == [0])
    }
}
