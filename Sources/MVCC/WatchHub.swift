/// One registered watch. Lives under the store lock.
final class Watcher {
    let id: Int64
    let streamID: Int
    let queue: StreamQueue
    let span: KeySpan
    let noPut: Bool
    let noDelete: Bool
    let prevKV: Bool
    let progressNotify: Bool
    let startRevision: Int64
    /// Next revision this watcher has not seen.
    var minRevision: Int64
    /// In a group, receiving live events (etcd "synced"); otherwise caught up by `syncWatchers`.
    var synced = false
    var removed = false
    /// Got events since the last progress tick.
    var gotEvents = false

    init(id: Int64, streamID: Int, queue: StreamQueue, span: KeySpan, request: WatchCreateRequest, minRevision: Int64) {
        self.id = id
        self.streamID = streamID
        self.queue = queue
        self.span = span
        self.noPut = request.filters.contains(.noPut)
        self.noDelete = request.filters.contains(.noDelete)
        self.prevKV = request.prevKV
        self.progressNotify = request.progressNotify
        self.startRevision = request.startRevision
        self.minRevision = minRevision
    }

    /// Variant key: watchers with equal keys see identical event lists.
    var variant: Int { (noPut ? 1 : 0) | (noDelete ? 2 : 0) | (prevKV ? 4 : 0) }

    /// `events` as this watcher must see them: filters applied; prevKV dropped unless asked for,
    /// or when etcd could not read it (its revision `mod - 1` is compacted); deletions at the
    /// compaction revision itself dropped, since etcd's compaction removes such tombstones from
    /// its history (only history replay can meet them: live events are above the compaction).
    func view(_ events: [Event], compactedRevision: Int64) -> [Event] {
        if variant == 4, events.allSatisfy({
            ($0.prevKV == nil || $0.kv.modRevision - 1 >= compactedRevision)
                && ($0.type == .put || $0.kv.modRevision > compactedRevision)
        }) {
            return events
        }
        var out: [Event] = []
        out.reserveCapacity(events.count)
        for var ev in events {
            if noPut, ev.type == .put { continue }
            if noDelete, ev.type == .delete { continue }
            if ev.type == .delete, ev.kv.modRevision <= compactedRevision { continue }
            if !prevKV || ev.kv.modRevision - 1 < compactedRevision { ev.prevKV = nil }
            out.append(ev)
        }
        return out
    }
}

/// Synced watchers sharing one key span; matched once per event.
final class WatcherGroup {
    let span: KeySpan
    var members: [ObjectIdentifier: Watcher] = [:]
    /// Events of the txn being dispatched (scratch).
    var batch: [Event] = []

    init(span: KeySpan) { self.span = span }
}

/// Per-stream bookkeeping.
struct StreamEntry {
    let queue: StreamQueue
    var watchers: [Int64: Watcher] = [:]
    var nextID: Int64 = 0
}

/// Watcher registry: streams, synced watchers indexed by span, unsynced queue.
///
/// Lookup on write: a dictionary for single-key spans; range groups sorted by start key with a
/// running maximum of their ends, scanned backwards from the last group starting at or before
/// the key and stopped as soon as no earlier group can reach it (disjoint or nested prefixes
/// cost a few checks). Watchers with equal spans share a group, so a thousand peers watching
/// one prefix cost one span check per event.
struct WatchHub {
    var streams: [Int: StreamEntry] = [:]
    var nextStreamID = 0
    var groups: [KeySpan: WatcherGroup] = [:]
    var singleKeyGroups: [[UInt8]: WatcherGroup] = [:]
    /// Range groups, ascending by `span.start`.
    var rangeGroups: [WatcherGroup] = []
    /// `reach[i]`: largest end among `rangeGroups[0...i]` (nil: unbounded).
    var reach: [[UInt8]?] = []
    /// Unsynced watchers in service order; entries of removed/synced watchers are skipped.
    var unsynced: [Watcher] = []
    var progressWatchers: [ObjectIdentifier: Watcher] = [:]
    /// Synced watchers set aside because their stream's queue was full (monotonic, for metrics).
    var victimsTotal = 0

    mutating func addSynced(_ w: Watcher) {
        w.synced = true
        if let g = groups[w.span] {
            g.members[ObjectIdentifier(w)] = w
            return
        }
        let g = WatcherGroup(span: w.span)
        g.members[ObjectIdentifier(w)] = w
        groups[w.span] = g
        if w.span.isSingleKey {
            singleKeyGroups[w.span.start] = g
        } else {
            let pos = upperBound(w.span.start)
            rangeGroups.insert(g, at: pos)
            reach.insert(nil, at: pos)
            recomputeReach(from: pos)
        }
    }

    mutating func removeSynced(_ w: Watcher) {
        w.synced = false
        guard let g = groups[w.span] else { return }
        g.members[ObjectIdentifier(w)] = nil
        guard g.members.isEmpty else { return }
        groups[w.span] = nil
        if w.span.isSingleKey {
            singleKeyGroups[w.span.start] = nil
        } else if let i = rangeGroups.firstIndex(where: { $0 === g }) {
            rangeGroups.remove(at: i)
            reach.remove(at: i)
            recomputeReach(from: i)
        }
    }

    private mutating func recomputeReach(from start: Int) {
        var i = start
        var acc: [UInt8]?? = i > 0 ? .some(reach[i - 1]) : .none  // .none: no group yet
        while i < rangeGroups.count {
            let end = rangeGroups[i].span.end
            switch acc {
            case .none: acc = .some(end)
            case .some(.none): break  // already unbounded
            case .some(.some(let a)):
                if let end { if compareBytes(end, a) > 0 { acc = .some(end) } } else { acc = .some(nil) }
            }
            reach[i] = acc ?? nil
            i += 1
        }
    }

    /// First range group whose start is > key.
    func upperBound(_ key: [UInt8]) -> Int {
        var lo = 0, hi = rangeGroups.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(rangeGroups[mid].span.start, key) <= 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Calls `body` for each group whose span contains `key`.
    func forEachGroup(containing key: [UInt8], _ body: (WatcherGroup) -> Void) {
        if let g = singleKeyGroups[key] { body(g) }
        var i = upperBound(key) - 1
        while i >= 0 {
            if let r = reach[i], compareBytes(r, key) <= 0 { return }
            let g = rangeGroups[i]
            if let end = g.span.end {
                if compareBytes(key, end) < 0 { body(g) }
            } else {
                body(g)
            }
            i -= 1
        }
    }

    /// Unregisters `w` everywhere (the unsynced queue drops it lazily).
    mutating func remove(_ w: Watcher) {
        guard !w.removed else { return }
        if w.synced { removeSynced(w) }
        w.removed = true
        streams[w.streamID]?.watchers[w.id] = nil
        if w.progressNotify { progressWatchers[ObjectIdentifier(w)] = nil }
    }
}
