import EtcdProto
import Foundation

/// `etcdserverpb.WatchCreateRequest` (clientv3 never sets `watch_id` or `fragment`; neither
/// do we).
public struct EtcdWatchRequest: Sendable, Equatable {
    public enum Filter: Sendable, Equatable { case noPut, noDelete }

    public var key: [UInt8]
    /// Empty: only `key`; `"\0"`: every key ≥ `key`; otherwise `[key, rangeEnd)`.
    public var rangeEnd: [UInt8]
    /// 0: from the next revision; otherwise replay from this one (inclusive).
    public var startRevision: Int64
    public var progressNotify: Bool
    public var prevKV: Bool
    public var filters: [Filter]

    public init(key: [UInt8], rangeEnd: [UInt8] = [], startRevision: Int64 = 0, progressNotify: Bool = false,
                prevKV: Bool = false, filters: [Filter] = []) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.startRevision = startRevision
        self.progressNotify = progressNotify
        self.prevKV = prevKV
        self.filters = filters
    }

    /// Every key with this prefix (clientv3 `WithPrefix`).
    public static func prefix(_ prefix: [UInt8], startRevision: Int64 = 0) -> EtcdWatchRequest {
        let range = EtcdKeyRange.prefix(prefix)
        return EtcdWatchRequest(key: range.key, rangeEnd: range.rangeEnd, startRevision: startRevision)
    }

    func createMessage(startRevision: Int64) -> Etcdserverpb_WatchRequest {
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = Data(key)
        create.rangeEnd = Data(rangeEnd)
        create.startRevision = startRevision
        create.progressNotify = progressNotify
        create.prevKv = prevKV
        create.filters = filters.map { $0 == .noPut ? .noput : .nodelete }
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        return request
    }
}

/// What a watcher's `next()` yields.
public enum EtcdWatchUpdate: Sendable, Equatable {
    /// Events in revision order, with the response header (its revision is the store's).
    case events(EtcdResponseHeader, [EtcdEvent])
    /// A progress notification: every event up to `header.revision` was delivered.
    case progress(EtcdResponseHeader)
    /// The server cancelled the watch: `compactRevision` ≠ 0 means the start revision was
    /// compacted (relist, then watch from the new revision + 1). The watcher is finished.
    case canceled(EtcdResponseHeader, compactRevision: Int64, reason: String)

    public var header: EtcdResponseHeader {
        switch self {
        case .events(let header, _), .progress(let header), .canceled(let header, _, _): header
        }
    }

    /// The typed error clientv3's `WatchResponse.Err()` gives a cancel: compacted
    /// (`ErrCompacted`), the server's reason (FailedPrecondition) or a future revision.
    public var error: EtcdClientError? {
        guard case .canceled(_, let compactRevision, let reason) = self else { return nil }
        if compactRevision != 0 { return .compacted }
        if !reason.isEmpty { return .server(.init(.failedPrecondition, reason)) }
        return .futureRevision
    }
}
