/// One retained revision of a key. `version == 0` marks a tombstone (the key was deleted at `mod`).
struct KeyRevision {
    var mod: Int64
    var create: Int64
    var version: Int64
    var value: [UInt8]
    var lease: Int64

    var isTombstone: Bool { version == 0 }

    static func tombstone(at revision: Int64) -> KeyRevision {
        KeyRevision(mod: revision, create: 0, version: 0, value: [], lease: 0)
    }
}

/// Everything the store retains about one key: its revisions in ascending `mod` order.
///
/// Compaction at N keeps the newest revision `<= N` (dropped too if it is a tombstone) and all
/// later ones; a record left without revisions leaves the index.
final class KeyRecord {
    let key: [UInt8]
    var revisions: [KeyRevision]
    /// Serial of the last write txn that touched the record (see `TxnState.serial`).
    var lastTxn: UInt64 = 0

    init(key: [UInt8], revisions: [KeyRevision] = []) {
        self.key = key
        self.revisions = revisions
    }

    /// True when the key exists at the newest revision.
    var isLive: Bool {
        guard let last = revisions.last else { return false }
        return !last.isTombstone
    }

    /// The newest revision, if the key currently exists.
    var live: KeyRevision? {
        guard let last = revisions.last, !last.isTombstone else { return nil }
        return last
    }

    /// The key's state at `revision`, nil if it did not exist then.
    func revision(at revision: Int64) -> KeyRevision? {
        guard let last = revisions.last else { return nil }
        if last.mod <= revision { return last.isTombstone ? nil : last }
        // Binary search for the newest entry with mod <= revision.
        var lo = 0, hi = revisions.count - 1  // answer in [lo-1, hi)
        while lo < hi {
            let mid = (lo + hi) / 2
            if revisions[mid].mod <= revision { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let found = revisions[lo - 1]
        return found.isTombstone ? nil : found
    }

    func keyValue(_ r: KeyRevision) -> KeyValue {
        KeyValue(key: key, createRevision: r.create, modRevision: r.mod, version: r.version, value: r.value, lease: r.lease)
    }

    /// Drops what compaction at `revision` makes unreachable. Returns true if nothing is left.
    func compact(to revision: Int64) -> Bool {
        guard let first = revisions.first, first.mod <= revision else { return revisions.isEmpty }
        // Index of the newest entry with mod <= revision.
        var keep = 0
        while keep + 1 < revisions.count, revisions[keep + 1].mod <= revision { keep += 1 }
        if revisions[keep].isTombstone { keep += 1 }
        if keep > 0 { revisions.removeFirst(keep) }
        return revisions.isEmpty
    }
}
