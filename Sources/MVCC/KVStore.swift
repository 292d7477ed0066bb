import Synchronization

/// The in-memory MVCC key-value store that serves as our etcd: revisions, key index, history,
/// compaction, leases and the watch hub, with etcd's semantics (etcd-v3-api.md §3).
///
/// One lock guards everything; critical sections are short and bounded, and watcher callbacks
/// (`onPending`) always run after the lock is released. Writes never wait for watchers.
///
/// The owner drives the periodic work: `syncWatchers()` every ~100 ms, `expireLeases()` every
/// ~500 ms, `autoCompact()` every ~1 s, `progressNotifyTick()` every 10 min.
public final class KVStore: Sendable {
    public let configuration: KVStoreConfiguration
    let core: Mutex<StoreCore>

    public init(configuration: KVStoreConfiguration = .init()) {
        self.configuration = configuration
        self.core = Mutex(StoreCore(configuration: configuration))
    }

    public var currentRevision: Int64 { core.withLock { $0.currentRevision } }
    public var compactedRevision: Int64 { core.withLock { $0.compactedRevision } }
    /// Live keys.
    public var keyCount: Int { core.withLock { $0.index.liveCount } }

    /// Range read. Key-range convention: `end` empty → exactly `key`; `end == [0]` → all keys
    /// `>= key`; else `[key, end)` (`end <= key` → empty, no error).
    public func range(key: [UInt8], end: [UInt8], options: RangeOptions = .init()) throws(MVCCError) -> RangeResult {
        try core.withLock { (c: inout StoreCore) throws(MVCCError) -> RangeResult in
            let rev = try c.resolveReadRevision(options.revision, current: c.currentRevision)
            return c.range(
                KeySpan(key: key, rangeEnd: end), rev: rev, current: c.currentRevision, pending: [],
                options: options, header: c.currentRevision)
        }
    }

    @discardableResult
    public func put(key: [UInt8], value: [UInt8], lease: Int64 = 0) throws(MVCCError) -> (revision: Int64, prev: KeyValue?) {
        let (prev, revision) = try write { (txn: inout WriteTransaction) throws(MVCCError) -> KeyValue? in
            try txn.put(key: key, value: value, lease: lease)
        }
        return (revision, prev)
    }

    /// Deletes the live keys in the range; with nothing deleted the revision does not move.
    @discardableResult
    public func deleteRange(key: [UInt8], end: [UInt8]) -> (revision: Int64, deleted: [KeyValue]) {
        let (deleted, revision) = write { txn in txn.deleteRange(key: key, end: end) }
        return (revision, deleted)
    }

    /// Atomic multi-op write (etcd Txn); see `WriteTransaction`. Returns the body's result and
    /// the resulting header revision (unchanged if nothing changed or the body threw).
    public func write<T, E: Error>(
        _ body: (inout WriteTransaction) throws(E) -> T
    ) throws(E) -> (result: T, revision: Int64) {
        let outcome: (Result<T, E>, Int64, [StreamQueue]) = core.withLock { c in
            var txn = WriteTransaction(core: c)
            do throws(E) {
                let value = try body(&txn)
                let woke = c.commit(txn.state)
                return (.success(value), c.currentRevision, woke)
            } catch {
                c.rollback(txn.state)
                return (.failure(error), c.currentRevision, [])
            }
        }
        Self.wake(outcome.2)
        return (try outcome.0.get(), outcome.1)
    }

    /// Compacts at `revision` (etcd rules: `<= compactedRevision` → `compacted`,
    /// `> currentRevision` → `futureRevision`).
    public func compact(_ revision: Int64) throws(MVCCError) {
        try core.withLock { (c: inout StoreCore) throws(MVCCError) in try c.compact(revision) }
    }

    /// Applies retention (`historyMaxRevisions`, `historyMaxAgeSeconds`) and does a bounded
    /// amount of physical cleanup. Called periodically by the server.
    public func autoCompact() {
        core.withLock { $0.autoCompact() }
    }

    static func wake(_ queues: [StreamQueue]) {
        for q in queues { q.onPending() }
    }
}
