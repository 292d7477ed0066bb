import EtcdProto
import MVCC

/// Hand-encoded etcd messages for the hot paths (see `ProtoWriter`).
extension ProtoWriter {
    // ResponseHeader { uint64 cluster_id = 1; uint64 member_id = 2; int64 revision = 3; uint64 raft_term = 4; }
    static func headerSize(_ identity: ServerIdentity, revision: Int64) -> Int {
        ProtoSize.uint64(identity.clusterID) + ProtoSize.uint64(identity.memberID)
            + ProtoSize.int64(revision) + ProtoSize.uint64(identity.raftTerm)
    }

    mutating func header(_ field: Int, _ identity: ServerIdentity, revision: Int64) {
        messageHeader(field, size: Self.headerSize(identity, revision: revision))
        uint64(1, identity.clusterID)
        uint64(2, identity.memberID)
        int64(3, revision)
        uint64(4, identity.raftTerm)
    }

    // KeyValue { bytes key = 1; int64 create_revision = 2; int64 mod_revision = 3; int64 version = 4; bytes value = 5; int64 lease = 6; }
    static func keyValueSize(_ kv: KeyValue, keysOnly: Bool = false) -> Int {
        ProtoSize.bytes(kv.key.count) + ProtoSize.int64(kv.createRevision) + ProtoSize.int64(kv.modRevision)
            + ProtoSize.int64(kv.version) + (keysOnly ? 0 : ProtoSize.bytes(kv.value.count))
            + ProtoSize.int64(kv.lease)
    }

    mutating func keyValue(_ field: Int, _ kv: KeyValue, keysOnly: Bool = false) {
        messageHeader(field, size: Self.keyValueSize(kv, keysOnly: keysOnly))
        bytesField(1, kv.key)
        int64(2, kv.createRevision)
        int64(3, kv.modRevision)
        int64(4, kv.version)
        if !keysOnly { bytesField(5, kv.value) }
        int64(6, kv.lease)
    }

    // Event { EventType type = 1; KeyValue kv = 2; KeyValue prev_kv = 3; }
    static func eventSize(_ event: Event) -> Int {
        var n = event.type == .delete ? 2 : 0
        n += ProtoSize.message(keyValueSize(event.kv))
        if let prev = event.prevKV { n += ProtoSize.message(keyValueSize(prev)) }
        return n
    }

    mutating func event(_ field: Int, _ event: Event) {
        messageHeader(field, size: Self.eventSize(event))
        if event.type == .delete {
            tag(1, 0)
            varint(1)
        }
        keyValue(2, event.kv)
        if let prev = event.prevKV { keyValue(3, prev) }
    }

    /// RangeResponse { header = 1; repeated KeyValue kvs = 2; bool more = 3; int64 count = 4; }
    static func rangeResponse(
        _ result: RangeResult, identity: ServerIdentity, keysOnly: Bool
    ) -> [UInt8] {
        var size = ProtoSize.message(headerSize(identity, revision: result.revision))
        for kv in result.kvs { size += ProtoSize.message(keyValueSize(kv, keysOnly: keysOnly)) }
        size += result.more ? 2 : 0
        size += ProtoSize.int64(result.count)
        var w = ProtoWriter(capacity: size)
        w.header(1, identity, revision: result.revision)
        for kv in result.kvs { w.keyValue(2, kv, keysOnly: keysOnly) }
        w.bool(3, result.more)
        w.int64(4, result.count)
        return w.bytes
    }

    /// WatchResponse { header = 1; int64 watch_id = 2; bool created = 3; bool canceled = 4;
    /// int64 compact_revision = 5; string cancel_reason = 6; bool fragment = 7; repeated Event events = 11; }
    static func watchResponse(
        identity: ServerIdentity, revision: Int64, watchID: Int64,
        created: Bool = false, canceled: Bool = false, compactRevision: Int64 = 0,
        cancelReason: String = "", fragment: Bool = false, events: ArraySlice<Event> = []
    ) -> [UInt8] {
        var w = ProtoWriter(capacity: 64 + events.count * 128)
        w.header(1, identity, revision: revision)
        w.int64(2, watchID)
        w.bool(3, created)
        w.bool(4, canceled)
        w.int64(5, compactRevision)
        w.string(6, cancelReason)
        w.bool(7, fragment)
        for e in events { w.event(11, e) }
        return w.bytes
    }

    static func watchEventsSize(_ events: ArraySlice<Event>) -> Int {
        events.reduce(0) { $0 + ProtoSize.message(eventSize($1)) }
    }
}
