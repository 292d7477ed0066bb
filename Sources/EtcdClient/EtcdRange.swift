import EtcdProto
import Foundation

/// `etcdserverpb.RangeRequest`, with clientv3's defaults.
public struct EtcdRangeRequest: Sendable, Equatable {
    public enum SortOrder: Int, Sendable { case none = 0, ascend = 1, descend = 2 }
    public enum SortTarget: Int, Sendable { case key = 0, version = 1, create = 2, mod = 3, value = 4 }

    public var key: [UInt8]
    /// Empty: exactly `key`; `"\0"`: every key ≥ `key`; otherwise the half-open range.
    public var rangeEnd: [UInt8]
    public var limit: Int64
    /// 0: the current revision.
    public var revision: Int64
    public var sortOrder: SortOrder
    public var sortTarget: SortTarget
    public var serializable: Bool
    public var keysOnly: Bool
    public var countOnly: Bool
    public var minModRevision: Int64 = 0
    public var maxModRevision: Int64 = 0
    public var minCreateRevision: Int64 = 0
    public var maxCreateRevision: Int64 = 0

    public init(key: [UInt8], rangeEnd: [UInt8] = [], limit: Int64 = 0, revision: Int64 = 0,
                sortOrder: SortOrder = .none, sortTarget: SortTarget = .key, serializable: Bool = false,
                keysOnly: Bool = false, countOnly: Bool = false) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.limit = limit
        self.revision = revision
        self.sortOrder = sortOrder
        self.sortTarget = sortTarget
        self.serializable = serializable
        self.keysOnly = keysOnly
        self.countOnly = countOnly
    }

    /// Every key with this prefix (clientv3 `WithPrefix`).
    public static func prefix(_ prefix: [UInt8], limit: Int64 = 0, revision: Int64 = 0) -> EtcdRangeRequest {
        let range = EtcdKeyRange.prefix(prefix)
        return EtcdRangeRequest(key: range.key, rangeEnd: range.rangeEnd, limit: limit, revision: revision)
    }

    var proto: Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(key)
        request.rangeEnd = Data(rangeEnd)
        request.limit = limit
        request.revision = revision
        // clientv3 drops an ascending sort by key: the store already returns keys in order.
        if !(sortOrder == .ascend && sortTarget == .key) {
            request.sortOrder = Etcdserverpb_RangeRequest.SortOrder(rawValue: sortOrder.rawValue) ?? .none
            request.sortTarget = Etcdserverpb_RangeRequest.SortTarget(rawValue: sortTarget.rawValue) ?? .key
        }
        request.serializable = serializable
        request.keysOnly = keysOnly
        request.countOnly = countOnly
        request.minModRevision = minModRevision
        request.maxModRevision = maxModRevision
        request.minCreateRevision = minCreateRevision
        request.maxCreateRevision = maxCreateRevision
        return request
    }
}

/// `etcdserverpb.RangeResponse`.
public struct EtcdRangeResponse: Sendable, Equatable {
    public var header: EtcdResponseHeader
    public var kvs: [EtcdKeyValue]
    /// More keys matched than `limit` returned.
    public var more: Bool
    /// Keys in the range (regardless of `limit`).
    public var count: Int64

    public init(header: EtcdResponseHeader, kvs: [EtcdKeyValue], more: Bool, count: Int64) {
        self.header = header
        self.kvs = kvs
        self.more = more
        self.count = count
    }

    init(_ proto: Etcdserverpb_RangeResponse) {
        self.init(header: EtcdResponseHeader(proto.header), kvs: proto.kvs.map(EtcdKeyValue.init), more: proto.more,
                  count: proto.count)
    }
}

/// `etcdserverpb.StatusResponse`.
public struct EtcdStatus: Sendable, Equatable {
    public var header: EtcdResponseHeader
    public var version: String
    public var dbSize: Int64
    public var leader: UInt64
    public var raftIndex: UInt64
    public var raftTerm: UInt64
    public var raftAppliedIndex: UInt64
    public var errors: [String]
    public var dbSizeInUse: Int64
    public var isLearner: Bool

    init(_ proto: Etcdserverpb_StatusResponse) {
        header = EtcdResponseHeader(proto.header)
        version = proto.version
        dbSize = proto.dbSize
        leader = proto.leader
        raftIndex = proto.raftIndex
        raftTerm = proto.raftTerm
        raftAppliedIndex = proto.raftAppliedIndex
        errors = proto.errors
        dbSizeInUse = proto.dbSizeInUse
        isLearner = proto.isLearner
    }
}
