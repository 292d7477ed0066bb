extension StoreCore {
    func openStream(queue: StreamQueue) -> Int {
        let id = hub.nextStreamID
        hub.nextStreamID += 1
        hub.streams[id] = StreamEntry(queue: queue)
        return id
    }

    func closeStream(_ id: Int) {
        guard let entry = hub.streams[id] else { return }
        for w in entry.watchers.values { hub.remove(w) }
        hub.streams[id] = nil
        entry.queue.clear()
    }

    /// Registers a watcher following etcd's create rules (etcd-v3-api.md §3.5 rules 1, 2, 4, 5, 6).
    func createWatch(stream: Int, _ request: WatchCreateRequest) -> Result<(watchID: Int64, revision: Int64), WatchCreateError> {
        guard var entry = hub.streams[stream] else { return .failure(.emptyRange) }
        // Rule 1: an empty key watches "\0", the smallest key.
        let key = request.key.isEmpty ? [0] : request.key
        // Rule 2: negative start revision.
        if request.startRevision < 0 { return .failure(.compactedStart) }
        // Rule 4: "" → single key, "\0" → every key >= key, else key < end.
        let span = KeySpan(key: key, rangeEnd: request.end)
        if span.isEmpty { return .failure(.emptyRange) }
        // Rule 5/6: explicit IDs must be unused; automatic IDs count up, skipping used ones.
        let id: Int64
        if request.watchID != 0 {
            if entry.watchers[request.watchID] != nil { return .failure(.duplicateID) }
            id = request.watchID
        } else {
            while entry.watchers[entry.nextID] != nil { entry.nextID += 1 }
            id = entry.nextID
            entry.nextID += 1
        }
        let start = request.startRevision
        let isSynced = start == 0 || start > currentRevision
        let w = Watcher(
            id: id, streamID: stream, queue: entry.queue, span: span, request: request,
            minRevision: isSynced ? max(currentRevision + 1, start) : start)
        entry.watchers[id] = w
        hub.streams[stream] = entry
        if isSynced { hub.addSynced(w) } else { hub.unsynced.append(w) }
        if w.progressNotify { hub.progressWatchers[ObjectIdentifier(w)] = w }
        return .success((id, currentRevision))
    }

    func cancelWatch(stream: Int, watchID: Int64) -> Int64? {
        guard let w = hub.streams[stream]?.watchers[watchID] else { return nil }
        hub.remove(w)
        w.queue.purge(watchID: watchID)
        return currentRevision
    }

    func requestProgress(stream: Int) -> Int64? {
        guard let entry = hub.streams[stream], !entry.watchers.isEmpty else { return nil }
        for w in entry.watchers.values where !w.synced || currentRevision < w.startRevision { return nil }
        return currentRevision
    }

    /// Offers one committed txn to synced watchers (etcd `notify`). A watcher whose stream queue
    /// is full becomes a victim: unsynced, to be caught up from `revision` by `syncWatchers`.
    func notifyWatchers(revision: Int64, events: [Event]) -> [StreamQueue] {
        guard !hub.groups.isEmpty else { return [] }
        var touched: [WatcherGroup] = []
        for ev in events {
            hub.forEachGroup(containing: ev.kv.key) { g in
                if g.batch.isEmpty { touched.append(g) }
                g.batch.append(ev)
            }
        }
        var woke: [StreamQueue] = []
        let limit = configuration.watchStreamQueueLimit
        for g in touched {
            let batch = g.batch
            g.batch = []
            // Members usually share one variant: keep the last view, a dictionary for the rest.
            var lastVariant = -1
            var lastView: [Event] = []
            var views: [Int: [Event]] = [:]
            var victims: [Watcher] = []
            for w in g.members.values where revision >= w.minRevision {
                let variant = w.variant
                if variant != lastVariant {
                    if lastVariant >= 0 { views[lastVariant] = lastView }
                    lastView = views[variant] ?? w.view(batch, compactedRevision: compactedRevision)
                    lastVariant = variant
                }
                let events = lastView
                if events.isEmpty {
                    w.minRevision = revision + 1
                    continue
                }
                guard let wasEmpty = w.queue.push(.events(watchID: w.id, revision: revision, events: events), limit: limit) else {
                    victims.append(w)
                    continue
                }
                w.minRevision = revision + 1
                w.gotEvents = true
                if wasEmpty { woke.append(w.queue) }
            }
            hub.victimsTotal += victims.count
            for w in victims {
                hub.removeSynced(w)
                w.minRevision = revision
                hub.unsynced.append(w)
            }
        }
        return woke
    }

    /// Catch-up pass (etcd `syncWatchersLoop` + `syncVictimsLoop`): unsynced watchers whose stream
    /// has room get history in messages of at most `watchBatchMaxRevisions` revisions; those that
    /// reach the current revision become synced; those behind compaction get `.compacted`.
    func syncWatchers() -> [StreamQueue] {
        guard !hub.unsynced.isEmpty else { return [] }
        let limit = configuration.watchStreamQueueLimit
        let n = min(hub.unsynced.count, max(1, configuration.watchSyncMaxWatchers))
        let batch = hub.unsynced[..<n]
        var rest = Array(hub.unsynced[n...])
        var budget = configuration.watchSyncScanBudget
        var woke: [StreamQueue] = []
        for w in batch where !w.removed && !w.synced {
            if budget <= 0 || w.queue.count >= limit {
                rest.append(w)
                continue
            }
            if w.minRevision < compactedRevision {
                if w.queue.push(.compacted(watchID: w.id, compactRevision: compactedRevision)) { woke.append(w.queue) }
                hub.remove(w)
                continue
            }
            while w.queue.count < limit, budget > 0 {
                let (events, next, scanned) = replay(w, budgetEntries: budget)
                budget -= max(1, scanned)
                w.minRevision = next
                if !events.isEmpty {
                    if w.queue.push(.events(watchID: w.id, revision: currentRevision, events: events)) { woke.append(w.queue) }
                    w.gotEvents = true
                }
                if next > currentRevision {
                    hub.addSynced(w)
                    break
                }
            }
            if !w.synced { rest.append(w) }
        }
        hub.unsynced = rest
        return woke
    }

    /// Events for `w` from its `minRevision`, covering at most `watchBatchMaxRevisions` distinct
    /// revisions with matching events and scanning at most `budgetEntries` history entries.
    /// Returns the filtered events, the next revision to replay from and the entries scanned.
    private func replay(_ w: Watcher, budgetEntries: Int) -> (events: [Event], next: Int64, scanned: Int) {
        var matched: [Event] = []
        var revisions = 0
        var p = history.position(of: w.minRevision)
        let end = history.endPosition
        var scanned = 0
        var next = currentRevision + 1
        while p < end {
            if scanned >= budgetEntries {
                next = history.entry(atPosition: p).revision
                break
            }
            let entry = history.entry(atPosition: p)
            if let first = entry.events.firstIndex(where: { w.span.contains($0.kv.key) }) {
                if revisions == configuration.watchBatchMaxRevisions {
                    next = entry.revision
                    break
                }
                revisions += 1
                for ev in entry.events[first...] where w.span.contains(ev.kv.key) { matched.append(ev) }
            }
            scanned += 1
            p += 1
        }
        return (w.view(matched, compactedRevision: compactedRevision), next, scanned)
    }

    /// Queues a progress message for each synced `progress_notify` watcher that got no events
    /// since the previous tick.
    func progressTick() -> [StreamQueue] {
        var woke: [StreamQueue] = []
        let limit = configuration.watchStreamQueueLimit
        for w in hub.progressWatchers.values {
            defer { w.gotEvents = false }
            guard w.synced, !w.gotEvents else { continue }
            if w.queue.push(.progress(watchID: w.id, revision: currentRevision), limit: limit) == true { woke.append(w.queue) }
        }
        return woke
    }
}
