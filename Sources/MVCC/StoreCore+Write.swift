/// Bookkeeping of one write transaction while its body runs.
struct TxnState {
    /// Revision before the txn; its changes get `beginRevision + 1`.
    let beginRevision: Int64
    var events: [Event] = []
    /// Distinguishes this txn from every other (records remember the last txn that touched them).
    let serial: UInt64
    /// Per touched key: revisions count and lease before the txn (0 if not live), for commit/rollback.
    var touched: [(record: KeyRecord, count: Int, lease: Int64, wasLive: Bool)] = []

    var revision: Int64 { beginRevision + 1 }
    /// Revision reads inside the txn see (etcd `storeTxnWrite.Range`).
    var readRevision: Int64 { events.isEmpty ? beginRevision : beginRevision + 1 }
}

extension StoreCore {
    func beginTxn() -> TxnState {
        txnSerial &+= 1
        return TxnState(beginRevision: currentRevision, serial: txnSerial)
    }

    func txnRange(_ txn: TxnState, key: [UInt8], end: [UInt8], options: RangeOptions) throws(MVCCError) -> RangeResult {
        let current = txn.readRevision
        let rev = try resolveReadRevision(options.revision, current: current)
        return range(KeySpan(key: key, rangeEnd: end), rev: rev, current: current, pending: txn.events, options: options, header: current)
    }

    private func touch(_ txn: inout TxnState, _ record: KeyRecord) {
        guard record.lastTxn != txn.serial else { return }
        record.lastTxn = txn.serial
        let live = record.live
        txn.touched.append((record, record.revisions.count, live?.lease ?? 0, live != nil))
    }

    /// Writes `rev` as the key's newest revision (replacing one already written by this txn).
    private func setNewest(_ record: KeyRecord, _ entry: KeyRevision) {
        if let last = record.revisions.last, last.mod == entry.mod {
            record.revisions[record.revisions.count - 1] = entry
        } else {
            record.revisions.append(entry)
        }
    }

    func txnPut(
        _ txn: inout TxnState, key: [UInt8], value: [UInt8], lease: Int64, ignoreValue: Bool, ignoreLease: Bool
    ) throws(MVCCError) -> KeyValue? {
        let existing = index.find(key)
        let prev = existing?.live
        if (ignoreValue || ignoreLease), prev == nil { throw .keyNotFound }
        let newLease = ignoreLease ? (prev?.lease ?? 0) : lease
        let newValue = ignoreValue ? (prev?.value ?? []) : value
        if newLease != 0, leases.byID[newLease] == nil { throw .leaseNotFound }
        if prev == nil, index.liveCount >= configuration.maxKeys { throw .tooManyKeys }
        let rev = txn.revision
        let entry = KeyRevision(
            mod: rev, create: prev?.create ?? rev, version: (prev?.version ?? 0) + 1, value: newValue, lease: newLease)
        let record: KeyRecord
        if let existing {
            record = existing
            touch(&txn, record)
            setNewest(record, entry)
            if prev == nil { index.adjustLive(key, by: 1) }
        } else {
            record = KeyRecord(key: key)
            record.lastTxn = txn.serial
            txn.touched.append((record, 0, 0, false))
            record.revisions.append(entry)
            index.insert(record)
        }
        let prevKV = prev.map { record.keyValue($0) }
        txn.events.append(Event(type: .put, kv: record.keyValue(entry), prevKV: prevKV))
        return prevKV
    }

    func txnDelete(_ txn: inout TxnState, span: KeySpan) -> [KeyValue] {
        var victims: [(KeyRecord, KeyRevision)] = []
        index.forEach(in: span) { record in
            if let live = record.live { victims.append((record, live)) }
            return true
        }
        let rev = txn.revision
        var deleted: [KeyValue] = []
        deleted.reserveCapacity(victims.count)
        for (record, live) in victims {
            touch(&txn, record)
            setNewest(record, .tombstone(at: rev))
            index.adjustLive(record.key, by: -1)
            let prevKV = record.keyValue(live)
            deleted.append(prevKV)
            txn.events.append(Event(type: .delete, kv: KeyValue(key: record.key, modRevision: rev), prevKV: prevKV))
        }
        return deleted
    }

    /// Undoes every change of `txn` (its body threw).
    func rollback(_ txn: TxnState) {
        for t in txn.touched {
            let key = t.record.key
            let liveNow = t.record.isLive
            if t.count == 0 {
                index.remove(key)
                t.record.revisions = []
                continue
            }
            if t.record.revisions.count > t.count { t.record.revisions.removeLast(t.record.revisions.count - t.count) }
            if liveNow != t.wasLive { index.adjustLive(key, by: t.wasLive ? 1 : -1) }
        }
    }

    /// Commits `txn`: moves lease attachments, logs the events, bumps the revision and offers
    /// the events to synced watchers. Returns the streams whose queue became non-empty.
    func commit(_ txn: TxnState) -> [StreamQueue] {
        guard !txn.events.isEmpty else { return [] }
        for t in txn.touched {
            let key = t.record.key
            let newLease = t.record.live?.lease ?? 0
            if newLease != t.lease {
                leases.detach(key, from: t.lease)
                leases.attach(key, to: newLease)
            }
        }
        currentRevision = txn.revision
        history.append(HistoryEntry(revision: txn.revision, events: txn.events, time: configuration.now()))
        return notifyWatchers(revision: txn.revision, events: txn.events)
    }
}
