/// One version of a key as clients see it (`mvccpb.KeyValue`).
///
/// A DELETE event's `kv` carries only `key` and `modRevision` (the deletion revision), like etcd.
public struct KeyValue: Sendable, Equatable {
    public var key: [UInt8]
    /// Revision at which the key was (re)created.
    public var createRevision: Int64
    /// Revision of the last change.
    public var modRevision: Int64
    /// 1 on creation, +1 per put; reset by a delete.
    public var version: Int64
    public var value: [UInt8]
    /// Attached lease ID, 0 for none.
    public var lease: Int64

    public init(
        key: [UInt8] = [],
        createRevision: Int64 = 0,
        modRevision: Int64 = 0,
        version: Int64 = 0,
        value: [UInt8] = [],
        lease: Int64 = 0
    ) {
        self.key = key
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.value = value
        self.lease = lease
    }
}

/// Kind of a change (`mvccpb.Event.EventType`).
public enum EventType: Sendable, Equatable {
    case put
    case delete
}

/// One change of one key inside a write transaction (`mvccpb.Event`).
public struct Event: Sendable, Equatable {
    public var type: EventType
    /// PUT: the new version. DELETE: `{key, modRevision = deletion revision}` only.
    public var kv: KeyValue
    /// The key's previous version; nil for creations (and in watch messages unless requested).
    public var prevKV: KeyValue?

    public init(type: EventType, kv: KeyValue, prevKV: KeyValue? = nil) {
        self.type = type
        self.kv = kv
        self.prevKV = prevKV
    }
}
