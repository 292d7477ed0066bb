/// Event filters of a watch (`WatchCreateRequest.FilterType`).
public enum WatchFilter: Sendable, Equatable {
    case noPut, noDelete
}

/// A watch to register on a `WatchStream` (`WatchCreateRequest`).
public struct WatchCreateRequest: Sendable, Equatable {
    public var key: [UInt8]
    public var end: [UInt8]
    /// 0: from the next revision. Positive and <= current: replay history from it.
    public var startRevision: Int64
    public var filters: [WatchFilter]
    public var prevKV: Bool
    public var progressNotify: Bool
    /// 0 asks for an automatically assigned ID.
    public var watchID: Int64

    public init(
        key: [UInt8] = [],
        end: [UInt8] = [],
        startRevision: Int64 = 0,
        filters: [WatchFilter] = [],
        prevKV: Bool = false,
        progressNotify: Bool = false,
        watchID: Int64 = 0
    ) {
        self.key = key
        self.end = end
        self.startRevision = startRevision
        self.filters = filters
        self.prevKV = prevKV
        self.progressNotify = progressNotify
        self.watchID = watchID
    }
}

/// Why a watch was not created; each travels as a `cancel_reason` (etcd-v3-api.md §3.5).
public enum WatchCreateError: Error, Equatable, Sendable {
    /// `mvcc: watcher range is empty`
    case emptyRange
    /// `mvcc: duplicate watch ID provided on the WatchStream`
    case duplicateID
    /// Negative start revision: `etcdserver: mvcc: required revision has been compacted`
    case compactedStart
}

/// A message queued on a `WatchStream` for its owner to send.
public enum WatchMessage: Sendable, Equatable {
    /// Events for one watcher. `revision` is header.revision: the txn's revision for live
    /// events, the store's current revision for history replay.
    case events(watchID: Int64, revision: Int64, events: [Event])
    /// The watcher fell behind compaction and was removed; send canceled + compact_revision
    /// with header.revision 0.
    case compacted(watchID: Int64, compactRevision: Int64)
    /// Progress notification (`progress_notify`) at the current revision.
    case progress(watchID: Int64, revision: Int64)

    public var watchID: Int64 {
        switch self {
        case .events(let id, _, _), .compacted(let id, _), .progress(let id, _): return id
        }
    }
}
