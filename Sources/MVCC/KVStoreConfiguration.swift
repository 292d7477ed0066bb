/// Limits and clocks of a `KVStore`. Every limit is explicit.
public struct KVStoreConfiguration: Sendable {
    /// The store starts at this revision. If > 1, every revision below it counts as compacted
    /// (`compactedRevision == initialRevision`), so readers and watchers from an earlier
    /// incarnation get `compacted` and relist.
    public var initialRevision: Int64 = 1
    /// Retention for `autoCompact`: revisions older than `current - historyMaxRevisions` are compacted.
    public var historyMaxRevisions: Int64 = 100_000
    /// Retention for `autoCompact`: revisions written more than this many seconds ago are compacted.
    public var historyMaxAgeSeconds: Double = 300
    /// Pending messages per `WatchStream` before its synced watchers are set aside (victims).
    public var watchStreamQueueLimit: Int = 256
    /// Distinct revisions per history-replay message (etcd `watchBatchMaxRevs`).
    public var watchBatchMaxRevisions: Int = 1000
    /// Watchers examined per `syncWatchers()` call (etcd `maxWatchersPerSync`).
    public var watchSyncMaxWatchers: Int = 512
    /// History transactions scanned per `syncWatchers()` call, all watchers together.
    public var watchSyncScanBudget: Int = 200_000
    /// Largest lease TTL in seconds (etcd `MaxLeaseTTL`).
    public var maxLeaseTTL: Int64 = 9_000_000_000
    /// Smallest lease TTL in seconds; shorter grants are raised to it.
    public var minLeaseTTL: Int64 = 1
    /// Largest number of live keys; a put creating a key beyond it fails with `tooManyKeys`.
    public var maxKeys: Int = 10_000_000
    /// Transactions whose keys are physically compacted per `autoCompact()` call.
    public var compactionBatchRevisions: Int = 10_000
    /// Monotonic seconds.
    public var now: @Sendable () -> Double

    public init() {
        let origin = ContinuousClock.now
        self.now = {
            let elapsed = ContinuousClock.now - origin
            let parts = elapsed.components
            return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
        }
    }
}
