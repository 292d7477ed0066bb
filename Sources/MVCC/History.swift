/// One committed write transaction: its revision, its events in sub-revision order, and when.
struct HistoryEntry {
    var revision: Int64
    var events: [Event]
    var time: Double
}

/// The log of write transactions since the last physical compaction, indexed by revision.
///
/// Every committed revision has exactly one entry, so `entry(at:)` is an array index. Entries
/// leave from the front (`dropFirst`) in batches; the backing array is compacted lazily.
struct History {
    private var entries: [HistoryEntry] = []
    private var head = 0
    /// Total events held, for memory accounting and fallbacks.
    private(set) var eventCount = 0

    var isEmpty: Bool { head == entries.count }
    var count: Int { entries.count - head }
    var firstRevision: Int64? { isEmpty ? nil : entries[head].revision }
    var lastRevision: Int64? { entries.last?.revision }

    mutating func append(_ entry: HistoryEntry) {
        eventCount += entry.events.count
        entries.append(entry)
    }

    /// Position of `revision` in `entries`, clamped to the retained range.
    func position(of revision: Int64) -> Int {
        guard let first = firstRevision else { return entries.count }
        let offset = revision - first
        if offset <= 0 { return head }
        return min(entries.count, head + Int(offset))
    }

    var endPosition: Int { entries.count }

    func entry(atPosition p: Int) -> HistoryEntry { entries[p] }

    /// Entry for `revision`, if retained.
    func entry(at revision: Int64) -> HistoryEntry? {
        guard let first = firstRevision, revision >= first else { return nil }
        let p = head + Int(revision - first)
        return p < entries.count ? entries[p] : nil
    }

    /// Oldest retained entry.
    var first: HistoryEntry? { isEmpty ? nil : entries[head] }

    /// Removes the oldest entry.
    mutating func removeFirst() {
        guard !isEmpty else { return }
        eventCount -= entries[head].events.count
        entries[head].events = []
        head += 1
        if head >= 1024, head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// First revision whose entry was written at or after `time` (nil if none).
    func firstRevision(writtenAtOrAfter time: Double) -> Int64? {
        var lo = head, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].time < time { lo = mid + 1 } else { hi = mid }
        }
        return lo < entries.count ? entries[lo].revision : nil
    }
}
