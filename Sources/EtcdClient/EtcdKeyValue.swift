import EtcdProto
import Foundation

/// `mvccpb.KeyValue`: keys and values are raw bytes.
public struct EtcdKeyValue: Sendable, Equatable, Hashable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var createRevision: Int64
    public var modRevision: Int64
    public var version: Int64
    public var lease: Int64

    public init(key: [UInt8], value: [UInt8] = [], createRevision: Int64 = 0, modRevision: Int64 = 0,
                version: Int64 = 0, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }

    init(_ proto: Mvccpb_KeyValue) {
        self.init(key: [UInt8](proto.key), value: [UInt8](proto.value), createRevision: proto.createRevision,
                  modRevision: proto.modRevision, version: proto.version, lease: proto.lease)
    }

    /// The key as text when it is valid UTF-8.
    public var keyString: String? { String(validating: key, as: UTF8.self) }
}

/// `mvccpb.Event`. A DELETE's `kv` carries only the key and the deletion's mod revision.
public struct EtcdEvent: Sendable, Equatable, Hashable {
    public enum Kind: Sendable, Equatable, Hashable {
        case put
        case delete
    }

    public var kind: Kind
    public var kv: EtcdKeyValue
    /// Present when the watch asked for `prevKV` and the key existed before.
    public var previous: EtcdKeyValue?

    public init(kind: Kind, kv: EtcdKeyValue, previous: EtcdKeyValue? = nil) {
        self.kind = kind
        self.kv = kv
        self.previous = previous
    }

    init(_ proto: Mvccpb_Event) {
        self.init(kind: proto.type == .delete ? .delete : .put, kv: EtcdKeyValue(proto.kv),
                  previous: proto.hasPrevKv ? EtcdKeyValue(proto.prevKv) : nil)
    }

    /// Cilium's event typing: a PUT whose create and mod revisions are equal created the key.
    public var isCreate: Bool { kind == .put && kv.createRevision == kv.modRevision }
}

/// Key range helpers with clientv3's conventions.
public enum EtcdKeyRange {
    /// clientv3 `GetPrefixRangeEnd`: the key after the last one starting with `prefix`
    /// (last byte < 0xff incremented, rest dropped; all-0xff or empty → `"\0"`, every key).
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    /// The key and range end of a prefix query; an empty prefix means every key (clientv3
    /// rewrites the key to `"\0"` then).
    public static func prefix(_ prefix: [UInt8]) -> (key: [UInt8], rangeEnd: [UInt8]) {
        prefix.isEmpty ? ([0], [0]) : (prefix, prefixEnd(prefix))
    }
}
