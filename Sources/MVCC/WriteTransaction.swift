/// An atomic multi-operation write (etcd Txn), valid only inside `KVStore.write`.
///
/// Reads see the txn's earlier writes. All changes share one new revision, with sub-revisions in
/// operation order. If the body throws, every change is undone. The body runs under the store
/// lock: it must not call back into the `KVStore` or any `WatchStream`.
public struct WriteTransaction: ~Copyable {
    let core: StoreCore
    var state: TxnState

    init(core: StoreCore) {
        self.core = core
        self.state = core.beginTxn()
    }

    /// Revision before this txn commits.
    public var currentRevision: Int64 { state.beginRevision }

    /// The revision this txn's changes get.
    public var revision: Int64 { state.revision }

    /// The store's compaction revision (etcd `ReadView.FirstRev`).
    public var compactedRevision: Int64 { core.compactedRevision }

    /// True once the txn changed something (it will commit a new revision).
    public var hasChanges: Bool { !state.events.isEmpty }

    /// Range read; the result's `revision` is the txn's read revision (`currentRevision`, or the
    /// txn's revision once it changed something — etcd `storeTxnWrite.Range`).
    public func range(key: [UInt8], end: [UInt8], options: RangeOptions = .init()) throws(MVCCError) -> RangeResult {
        try core.txnRange(state, key: key, end: end, options: options)
    }

    /// Puts; returns the previous version (nil for a creation).
    @discardableResult
    public mutating func put(key: [UInt8], value: [UInt8], lease: Int64 = 0) throws(MVCCError) -> KeyValue? {
        try core.txnPut(&state, key: key, value: value, lease: lease, ignoreValue: false, ignoreLease: false)
    }

    /// Put with etcd's `ignore_value` / `ignore_lease`: keep the current value / lease.
    /// A missing key fails with `keyNotFound`.
    @discardableResult
    public mutating func put(
        key: [UInt8], value: [UInt8], lease: Int64, ignoreValue: Bool, ignoreLease: Bool
    ) throws(MVCCError) -> KeyValue? {
        try core.txnPut(&state, key: key, value: value, lease: lease, ignoreValue: ignoreValue, ignoreLease: ignoreLease)
    }

    /// Deletes the live keys in the range (same conventions as `range`); returns them.
    @discardableResult
    public mutating func deleteRange(key: [UInt8], end: [UInt8]) -> [KeyValue] {
        core.txnDelete(&state, span: KeySpan(key: key, rangeEnd: end))
    }
}
