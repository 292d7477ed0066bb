/// Result ordering of a range read (`RangeRequest.SortOrder`).
public enum SortOrder: Sendable {
    case none, ascend, descend
}

/// Field a range read is sorted by (`RangeRequest.SortTarget`).
public enum SortTarget: Sendable {
    case key, version, create, mod, value
}

/// Options of a range read; field meanings follow `RangeRequest` (etcd-v3-api.md §1.4, §3.2).
public struct RangeOptions: Sendable {
    /// Maximum number of kvs returned; 0 or negative means no limit.
    public var limit: Int64 = 0
    /// Revision to read at; 0 or negative means the current revision.
    public var revision: Int64 = 0
    public var sortOrder: SortOrder = .none
    public var sortTarget: SortTarget = .key
    public var keysOnly = false
    public var countOnly = false
    public var minModRevision: Int64 = 0
    public var maxModRevision: Int64 = 0
    public var minCreateRevision: Int64 = 0
    public var maxCreateRevision: Int64 = 0

    public init() {}

    var hasRevisionFilters: Bool {
        minModRevision != 0 || maxModRevision != 0 || minCreateRevision != 0 || maxCreateRevision != 0
    }
}

/// Answer of a range read.
public struct RangeResult: Sendable, Equatable {
    public var kvs: [KeyValue]
    /// True when `limit` cut the result short.
    public var more: Bool
    /// Keys in the range at the read revision, before filters and limit (etcd §3.2 step 4).
    public var count: Int64
    /// The store's current revision (header.revision).
    public var revision: Int64

    public init(kvs: [KeyValue] = [], more: Bool = false, count: Int64 = 0, revision: Int64 = 0) {
        self.kvs = kvs
        self.more = more
        self.count = count
        self.revision = revision
    }
}
