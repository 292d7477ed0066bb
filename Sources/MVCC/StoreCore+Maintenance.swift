extension StoreCore {
    /// etcd compaction rules (`TestKVCompactError`): at or below the previous compaction →
    /// `compacted`; above the current revision → `futureRevision`. Reads below `revision` fail
    /// from now on; the physical cleanup runs to completion here.
    func compact(_ revision: Int64) throws(MVCCError) {
        if revision <= compactedRevision { throw .compacted }
        if revision > currentRevision { throw .futureRevision }
        compactedRevision = revision
        physicalCompact(maxEntries: Int.max)
    }

    /// Retention (age or revision count, whichever cuts more), then a bounded physical step.
    func autoCompact() {
        if !history.isEmpty {
            var target = currentRevision - configuration.historyMaxRevisions
            let cutoff = configuration.now() - configuration.historyMaxAgeSeconds
            // The revision that was current at `cutoff`: the one before the first written after it.
            if let firstRecent = history.firstRevision(writtenAtOrAfter: cutoff) {
                target = max(target, firstRecent - 1)
            } else {
                target = currentRevision
            }
            // Only when it drops something: compacting below the oldest history entry would
            // change nothing but the compaction revision clients see (etcd never does that).
            if target > compactedRevision, target <= currentRevision, let first = history.first, first.revision < target {
                compactedRevision = target
            }
        }
        physicalCompact(maxEntries: configuration.compactionBatchRevisions)
    }

    /// Drops history below `compactedRevision` and the key revisions only it referenced,
    /// at most `maxEntries` transactions per call.
    func physicalCompact(maxEntries: Int) {
        guard physicallyCompactedRevision < compactedRevision else { return }
        let target = compactedRevision
        var done = 0
        while let first = history.first, first.revision < target {
            if done >= maxEntries { return }
            for ev in first.events {
                guard let record = index.find(ev.kv.key) else { continue }
                if record.compact(to: target) { index.remove(ev.kv.key) }
            }
            history.removeFirst()
            done += 1
        }
        physicallyCompactedRevision = target
        index.rebuildIfSparse()
    }
}
