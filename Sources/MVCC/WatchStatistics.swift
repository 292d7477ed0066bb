/// Watch hub figures for metrics.
public struct WatchStatistics: Sendable, Equatable {
    /// Watch streams (one per gRPC Watch call or gateway watch).
    public var streams: Int
    /// Watchers across all streams.
    public var watchers: Int
    /// Watchers waiting to be caught up from history (new with a past start, or set aside).
    public var unsynced: Int
    /// Watchers set aside since start because their stream could not keep up.
    public var victimsTotal: Int
}

extension KVStore {
    public var watchStatistics: WatchStatistics {
        core.withLock { core in
            let watchers = core.hub.streams.values.reduce(0) { $0 + $1.watchers.count }
            let unsynced = core.hub.streams.values.reduce(0) { n, entry in
                n + entry.watchers.values.reduce(0) { $0 + ($1.synced ? 0 : 1) }
            }
            return WatchStatistics(streams: core.hub.streams.count, watchers: watchers,
                                   unsynced: unsynced, victimsTotal: core.hub.victimsTotal)
        }
    }
}
