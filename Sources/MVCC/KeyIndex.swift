/// Ordered map from key bytes to `KeyRecord`: a B+tree whose nodes count the keys that are live
/// at the newest revision, so `countLive(in:)` costs O(log n) instead of a walk over the range.
///
/// Deletion removes emptied nodes but does not rebalance; `rebuildIfSparse()` repacks the tree
/// after heavy compaction.
struct KeyIndex {
    static let leafCapacity = 64
    static let innerCapacity = 64

    private(set) var root = IndexNode(leaf: true)
    /// Records in the tree (live or not).
    private(set) var recordCount = 0

    /// Keys live at the newest revision.
    var liveCount: Int { root.liveCount }

    func find(_ key: [UInt8]) -> KeyRecord? {
        var node = root
        while !node.isLeaf { node = node.children[node.childIndex(for: key)] }
        let pos = node.lowerBound(key)
        guard pos < node.records.count, compareBytes(node.records[pos].key, key) == 0 else { return nil }
        return node.records[pos]
    }

    /// Inserts a record whose key is not in the index yet.
    mutating func insert(_ record: KeyRecord) {
        recordCount += 1
        guard let right = root.insert(record) else { return }
        let newRoot = IndexNode(leaf: false)
        newRoot.children = [root, right]
        newRoot.firstKeys = [root.firstKey, right.firstKey]
        newRoot.liveCount = root.liveCount + right.liveCount
        root = newRoot
    }

    /// Removes the record for `key` (expected not live). Returns false if absent.
    @discardableResult
    mutating func remove(_ key: [UInt8]) -> Bool {
        guard root.remove(key) else { return false }
        recordCount -= 1
        while !root.isLeaf, root.children.count == 1 { root = root.children[0] }
        if !root.isLeaf, root.children.isEmpty { root = IndexNode(leaf: true) }
        return true
    }

    /// Adds `delta` to the live counts on the path to `key` (after the record's liveness changed).
    func adjustLive(_ key: [UInt8], by delta: Int) {
        var node = root
        while true {
            node.liveCount += delta
            if node.isLeaf { return }
            node = node.children[node.childIndex(for: key)]
        }
    }

    /// Number of live keys strictly below `key`.
    func liveRank(_ key: [UInt8]) -> Int {
        var node = root
        var rank = 0
        while !node.isLeaf {
            let i = node.childIndex(for: key)
            for c in 0..<i { rank += node.children[c].liveCount }
            node = node.children[i]
        }
        let pos = node.lowerBound(key)
        for r in 0..<pos where node.records[r].isLive { rank += 1 }
        return rank
    }

    /// Live keys in `span`, O(log n).
    func countLive(in span: KeySpan) -> Int {
        if span.isEmpty { return 0 }
        let upper = span.end.map { liveRank($0) } ?? liveCount
        return upper - liveRank(span.start)
    }

    /// Visits records with key >= `start` in ascending order until `body` returns false.
    func forEach(from start: [UInt8], _ body: (KeyRecord) -> Bool) {
        _ = root.visit(from: start, body)
    }

    /// Visits records in `span` in ascending order until `body` returns false.
    func forEach(in span: KeySpan, _ body: (KeyRecord) -> Bool) {
        if span.isEmpty { return }
        guard let end = span.end else { return forEach(from: span.start, body) }
        forEach(from: span.start) { record in
            guard compareBytes(record.key, end) < 0 else { return false }
            return body(record)
        }
    }

    /// Repacks the tree when deletions left it far below capacity. O(n), only when n shrank a lot.
    mutating func rebuildIfSparse() {
        let leaves = root.leafCount()
        guard leaves > 4, recordCount * 4 < leaves * Self.leafCapacity else { return }
        var all: [KeyRecord] = []
        all.reserveCapacity(recordCount)
        forEach(from: []) { all.append($0); return true }
        self = KeyIndex(sorted: all)
    }

    init() {}

    /// Builds a packed tree from records in ascending key order.
    init(sorted records: [KeyRecord]) {
        recordCount = records.count
        guard !records.isEmpty else { return }
        let fill = Self.leafCapacity * 3 / 4
        var level: [IndexNode] = stride(from: 0, to: records.count, by: fill).map { lo in
            let leaf = IndexNode(leaf: true)
            leaf.records = Array(records[lo..<min(lo + fill, records.count)])
            leaf.liveCount = leaf.records.reduce(0) { $0 + ($1.isLive ? 1 : 0) }
            return leaf
        }
        while level.count > 1 {
            let innerFill = Self.innerCapacity * 3 / 4
            level = stride(from: 0, to: level.count, by: innerFill).map { lo in
                let node = IndexNode(leaf: false)
                node.children = Array(level[lo..<min(lo + innerFill, level.count)])
                node.firstKeys = node.children.map(\.firstKey)
                node.liveCount = node.children.reduce(0) { $0 + $1.liveCount }
                return node
            }
        }
        root = level[0]
    }
}

/// A node of `KeyIndex`. Leaves hold records; inner nodes hold children and, per child, a lower
/// bound of its keys (`firstKeys[i] <= every key in children[i] < firstKeys[i + 1]`).
final class IndexNode {
    let isLeaf: Bool
    var records: [KeyRecord] = []
    var children: [IndexNode] = []
    var firstKeys: [[UInt8]] = []
    var liveCount = 0

    init(leaf: Bool) { isLeaf = leaf }

    var firstKey: [UInt8] { isLeaf ? (records.first?.key ?? []) : (firstKeys.first ?? []) }

    /// First record position with key >= `key`.
    @inline(__always)
    func lowerBound(_ key: [UInt8]) -> Int {
        var lo = 0, hi = records.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(records[mid].key, key) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Child that holds (or would hold) `key`: the last one whose lower bound is <= key.
    @inline(__always)
    func childIndex(for key: [UInt8]) -> Int {
        var lo = 1, hi = firstKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(firstKeys[mid], key) <= 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    /// Inserts; returns a new right sibling if this node split.
    func insert(_ record: KeyRecord) -> IndexNode? {
        let live = record.isLive ? 1 : 0
        liveCount += live
        if isLeaf {
            records.insert(record, at: lowerBound(record.key))
            guard records.count > KeyIndex.leafCapacity else { return nil }
            let right = IndexNode(leaf: true)
            let mid = records.count / 2
            right.records = Array(records[mid...])
            records.removeSubrange(mid...)
            right.liveCount = right.records.reduce(0) { $0 + ($1.isLive ? 1 : 0) }
            liveCount -= right.liveCount
            return right
        }
        let i = childIndex(for: record.key)
        if let split = children[i].insert(record) {
            children.insert(split, at: i + 1)
            firstKeys.insert(split.firstKey, at: i + 1)
        }
        guard children.count > KeyIndex.innerCapacity else { return nil }
        let right = IndexNode(leaf: false)
        let mid = children.count / 2
        right.children = Array(children[mid...])
        right.firstKeys = Array(firstKeys[mid...])
        children.removeSubrange(mid...)
        firstKeys.removeSubrange(mid...)
        right.liveCount = right.children.reduce(0) { $0 + $1.liveCount }
        liveCount -= right.liveCount
        return right
    }

    /// Removes `key`; returns false if absent. Emptied children are unlinked.
    func remove(_ key: [UInt8]) -> Bool {
        if isLeaf {
            let pos = lowerBound(key)
            guard pos < records.count, compareBytes(records[pos].key, key) == 0 else { return false }
            if records[pos].isLive { liveCount -= 1 }
            records.remove(at: pos)
            return true
        }
        let i = childIndex(for: key)
        let child = children[i]
        let before = child.liveCount
        guard child.remove(key) else { return false }
        liveCount += child.liveCount - before
        if child.isEmpty {
            children.remove(at: i)
            firstKeys.remove(at: i)
        }
        return true
    }

    var isEmpty: Bool { isLeaf ? records.isEmpty : children.isEmpty }

    func visit(from start: [UInt8], _ body: (KeyRecord) -> Bool) -> Bool {
        if isLeaf {
            var i = lowerBound(start)
            while i < records.count {
                if !body(records[i]) { return false }
                i += 1
            }
            return true
        }
        var i = childIndex(for: start)
        while i < children.count {
            if !children[i].visit(from: start, body) { return false }
            i += 1
        }
        return true
    }

    func leafCount() -> Int {
        isLeaf ? 1 : children.reduce(0) { $0 + $1.leafCount() }
    }
}
