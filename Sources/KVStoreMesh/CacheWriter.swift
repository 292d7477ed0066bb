import MVCC

/// One change to the local cache: a put, or a delete when `value` is nil.
struct CacheOp: Sendable {
    var key: [UInt8]
    var value: [UInt8]?
}

/// Writes into the local store in transactions bounded by `maxOps` operations and `maxBytes` of
/// keys and values. A put whose value equals the stored one is skipped (no new revision, no
/// watch event), as Cilium's sync store skips byte-identical upserts. Between transactions the
/// task yields, so a remote that floods events shares the store with every other writer.
struct CacheWriter: Sendable {
    let store: KVStore
    let maxOps: Int
    let maxBytes: Int

    struct Outcome: Sendable, Equatable {
        var created = 0
        var updated = 0
        var deleted = 0
        var unchanged = 0
        /// Puts not applied because they would create keys beyond the budget, or the store refused.
        var refused = 0
        var errors: [String] = []

        mutating func add(_ o: Outcome) {
            created += o.created
            updated += o.updated
            deleted += o.deleted
            unchanged += o.unchanged
            refused += o.refused
            errors += o.errors
        }
    }

    init(store: KVStore, maxOps: Int, maxBytes: Int) {
        self.store = store
        self.maxOps = max(1, maxOps)
        self.maxBytes = max(1, maxBytes)
    }

    /// Applies `ops` in order; puts that would create keys once `createBudget` new keys were
    /// created are refused (counted, not written).
    func apply(_ ops: [CacheOp], createBudget: Int = .max) async -> Outcome {
        var total = Outcome()
        var start = 0
        var budget = createBudget
        while start < ops.count {
            var end = start
            var bytes = 0
            while end < ops.count, end - start < maxOps {
                let size = ops[end].key.count + (ops[end].value?.count ?? 0)
                if end > start, bytes + size > maxBytes { break }
                bytes += size
                end += 1
            }
            let outcome = applyOne(ops[start..<end], budget: budget)
            budget -= outcome.created
            total.add(outcome)
            start = end
            if start < ops.count { await Task.yield() }
        }
        return total
    }

    private func applyOne(_ chunk: ArraySlice<CacheOp>, budget: Int) -> Outcome {
        store.write { (txn: inout WriteTransaction) -> Outcome in
            var o = Outcome()
            // A list page arrives in key order and maps to keys in the same order: read what is
            // stored for the whole span at once instead of one range per key.
            let stored = Self.storedValues(chunk, txn)
            for op in chunk {
                guard let value = op.value else {
                    if !txn.deleteRange(key: op.key, end: []).isEmpty { o.deleted += 1 }
                    continue
                }
                let current: KeyValue?
                if let stored, let covered = stored.covered, Self.compare(op.key, covered) <= 0 {
                    current = stored.values[op.key]
                } else {
                    current = (try? txn.range(key: op.key, end: []))?.kvs.first
                }
                if let current, current.value == value {
                    o.unchanged += 1
                    continue
                }
                if current == nil && o.created >= budget {
                    o.refused += 1
                    continue
                }
                do {
                    try txn.put(key: op.key, value: value)
                    if current == nil { o.created += 1 } else { o.updated += 1 }
                } catch {
                    o.refused += 1
                    o.errors.append("put \(String(decoding: op.key, as: UTF8.self)): \(error)")
                }
            }
            return o
        }.result
    }

    /// Stored key-values in the span of a chunk of puts sorted by key, and the last key the read
    /// covers (the read is limited, so a span full of other keys is only read in part); nil for
    /// chunks that are unsorted or too small to gain anything.
    private static func storedValues(
        _ chunk: ArraySlice<CacheOp>, _ txn: borrowing WriteTransaction
    ) -> (values: [[UInt8]: KeyValue], covered: [UInt8]?)? {
        guard chunk.count >= 8, let first = chunk.first?.key, let last = chunk.last?.key else { return nil }
        var previous = first
        for op in chunk.dropFirst() {
            guard compare(previous, op.key) < 0 else { return nil }
            previous = op.key
        }
        var options = RangeOptions()
        options.limit = Int64(chunk.count * 2)
        guard let result = try? txn.range(key: first, end: last + [0], options: options) else { return nil }
        var values: [[UInt8]: KeyValue] = [:]
        values.reserveCapacity(result.kvs.count)
        for kv in result.kvs { values[kv.key] = kv }
        return (values, result.more ? result.kvs.last?.key : last)
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Puts one key unless it already holds `value`; true when written.
    @discardableResult
    func put(_ key: String, _ value: [UInt8]) -> Bool {
        let k = Array(key.utf8)
        return store.write { (txn: inout WriteTransaction) -> Bool in
            if (try? txn.range(key: k, end: []))?.kvs.first?.value == value { return false }
            return (try? txn.put(key: k, value: value)) != nil
        }.result
    }

    /// Deletes one key; true when it existed.
    @discardableResult
    func delete(_ key: String) -> Bool {
        !store.deleteRange(key: Array(key.utf8), end: []).deleted.isEmpty
    }

    func value(_ key: String) -> [UInt8]? {
        (try? store.range(key: Array(key.utf8), end: []))?.kvs.first?.value
    }

    /// Live keys under `prefix`.
    func count(prefix: [UInt8]) -> Int {
        var options = RangeOptions()
        options.countOnly = true
        return Int((try? store.range(key: prefix, end: KeyBytes.prefixEnd(prefix), options: options))?.count ?? 0)
    }

    /// Deletes every key under `prefix`, `maxOps` keys per transaction; returns how many.
    func deletePrefix(_ prefix: [UInt8]) async -> Int {
        var deleted = 0
        while true {
            let keys = keys(from: prefix, end: KeyBytes.prefixEnd(prefix), limit: maxOps)
            guard let first = keys.first, let last = keys.last else { return deleted }
            deleted += store.deleteRange(key: first, end: last + [0]).deleted.count
            await Task.yield()
        }
    }

    /// Keys under `prefix` that are not in `keep`, read page by page (keys only).
    func keys(under prefix: [UInt8], notIn keep: Set<[UInt8]>) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let end = KeyBytes.prefixEnd(prefix)
        var from = prefix
        while true {
            let page = keys(from: from, end: end, limit: 1000)
            for k in page where !keep.contains(k) { out.append(k) }
            guard page.count == 1000, let last = page.last else { return out }
            from = last + [0]
        }
    }

    private func keys(from: [UInt8], end: [UInt8], limit: Int) -> [[UInt8]] {
        var options = RangeOptions()
        options.keysOnly = true
        options.limit = Int64(limit)
        return ((try? store.range(key: from, end: end, options: options))?.kvs ?? []).map(\.key)
    }
}

enum KeyBytes {
    /// clientv3 `GetPrefixRangeEnd`: the smallest key greater than every key with `prefix`
    /// (`[0]`, i.e. "to the end", when the prefix is all 0xff).
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }
}
