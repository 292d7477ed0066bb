extension StoreCore {
    /// etcd's range algorithm (etcd-v3-api.md §3.2) at a resolved revision `rev`.
    ///
    /// `current` is the revision the index reflects (inside a write txn: the txn's revision once
    /// it changed something) and `pending` the txn's uncommitted events, both needed to count at
    /// a past revision without walking the range.
    func range(
        _ span: KeySpan, rev: Int64, current: Int64, pending: [Event], options: RangeOptions, header: Int64
    ) -> RangeResult {
        if span.isEmpty { return RangeResult(kvs: [], more: false, count: 0, revision: header) }
        let count = countKeys(span, rev: rev, current: current, pending: pending)
        if options.countOnly {
            return RangeResult(kvs: [], more: false, count: Int64(count), revision: header)
        }
        var order = options.sortOrder
        if options.sortTarget != .key, order == .none { order = .ascend }
        // Ascending by key is the index order: no sort, stop after limit + 1 (for `more`).
        let natural = order == .none || (order == .ascend && options.sortTarget == .key)
        let limit = options.limit > 0 ? Int(clamping: options.limit) : Int.max
        let fetch = natural ? (limit == Int.max ? Int.max : limit + 1) : Int.max
        var kvs: [KeyValue] = []
        if fetch != Int.max { kvs.reserveCapacity(min(fetch, count)) }
        let filtered = options.hasRevisionFilters
        let atCurrent = rev >= current
        index.forEach(in: span) { record in
            guard let r = atCurrent ? record.live : record.revision(at: rev) else { return true }
            if filtered {
                if options.maxModRevision != 0, r.mod > options.maxModRevision { return true }
                if options.minModRevision != 0, r.mod < options.minModRevision { return true }
                if options.maxCreateRevision != 0, r.create > options.maxCreateRevision { return true }
                if options.minCreateRevision != 0, r.create < options.minCreateRevision { return true }
            }
            var kv = record.keyValue(r)
            // Values are cleared after sorting: a VALUE sort must see them.
            if options.keysOnly && natural { kv.value = [] }
            kvs.append(kv)
            return kvs.count < fetch
        }
        if !natural {
            kvs = Self.sorted(kvs, order: order, target: options.sortTarget)
            if options.keysOnly { for i in kvs.indices { kvs[i].value = [] } }
        }
        var more = false
        if kvs.count > limit {
            kvs.removeSubrange(limit...)
            more = true
        }
        return RangeResult(kvs: kvs, more: more, count: Int64(count), revision: header)
    }

    /// Keys of `span` that exist at `rev`. At the current revision this is the index's live
    /// count; at a past revision it corrects that count by the keys changed since `rev`, falling
    /// back to a walk when that history is longer than the range probably is.
    func countKeys(_ span: KeySpan, rev: Int64, current: Int64, pending: [Event]) -> Int {
        let live = index.countLive(in: span)
        if rev >= current { return live }
        let changedBudget = 4096 + live / 4
        var changed = Set<[UInt8]>()
        var seen = 0
        var fallback = false
        func note(_ events: [Event]) {
            for ev in events where span.contains(ev.kv.key) {
                changed.insert(ev.kv.key)
            }
        }
        var p = history.position(of: rev + 1)
        let end = history.endPosition
        while p < end {
            let entry = history.entry(atPosition: p)
            seen += entry.events.count
            if seen > changedBudget { fallback = true; break }
            note(entry.events)
            p += 1
        }
        if fallback {
            var n = 0
            index.forEach(in: span) { record in
                if record.revision(at: rev) != nil { n += 1 }
                return true
            }
            return n
        }
        note(pending)
        var count = live
        for key in changed {
            guard let record = index.find(key) else { continue }
            if record.revision(at: rev) != nil { count += 1 }
            if record.isLive { count -= 1 }
        }
        return count
    }

    /// Stable sort; descending puts b before a only if b > a, so ties keep ascending key order
    /// like etcd's `sort.Reverse` over insertion sort (§3.2 step 6).
    static func sorted(_ kvs: [KeyValue], order: SortOrder, target: SortTarget) -> [KeyValue] {
        let ascending = order != .descend
        func less(_ a: KeyValue, _ b: KeyValue) -> Bool {
            switch target {
            case .key: return compareBytes(a.key, b.key) < 0
            case .version: return a.version < b.version
            case .create: return a.createRevision < b.createRevision
            case .mod: return a.modRevision < b.modRevision
            case .value: return compareBytes(a.value, b.value) < 0
            }
        }
        let indexed = kvs.enumerated().sorted { x, y in
            let before = ascending ? less(x.element, y.element) : less(y.element, x.element)
            if before { return true }
            let after = ascending ? less(y.element, x.element) : less(x.element, y.element)
            if after { return false }
            return x.offset < y.offset
        }
        return indexed.map(\.element)
    }
}
