import EtcdProto
import Foundation
import MVCC
import Testing

@testable import EtcdAPI

@Suite struct ProtoWriterTests {
    let identity = ServerIdentity(clusterID: 0xdead_beef_0000_0001, memberID: 42, raftTerm: 3)

    @Test func rangeResponseDecodesWithSwiftProtobuf() throws {
        let kvs = [
            KeyValue(key: Array("a".utf8), createRevision: 2, modRevision: 5, version: 2, value: Array("10".utf8), lease: 0),
            KeyValue(key: Array("foo/x".utf8), createRevision: 8, modRevision: 8, version: 1, value: [], lease: 7_587_867_366_349_211_169),
        ]
        let result = RangeResult(kvs: kvs, more: true, count: 7, revision: 10)
        let bytes = ProtoWriter.rangeResponse(result, identity: identity, keysOnly: false)
        let decoded = try Etcdserverpb_RangeResponse(serializedBytes: bytes)
        #expect(decoded.header.clusterID == identity.clusterID)
        #expect(decoded.header.memberID == 42)
        #expect(decoded.header.revision == 10)
        #expect(decoded.header.raftTerm == 3)
        #expect(decoded.more)
        #expect(decoded.count == 7)
        #expect(decoded.kvs.count == 2)
        #expect(decoded.kvs[0].key == Data("a".utf8))
        #expect(decoded.kvs[0].value == Data("10".utf8))
        #expect(decoded.kvs[0].createRevision == 2 && decoded.kvs[0].modRevision == 5 && decoded.kvs[0].version == 2)
        #expect(decoded.kvs[1].lease == 7_587_867_366_349_211_169)
        // Canonical encoding: identical to what SwiftProtobuf itself produces.
        #expect(try decoded.serializedBytes() == bytes)
    }

    @Test func keysOnlyOmitsValues() throws {
        let result = RangeResult(kvs: [KeyValue(key: [1], createRevision: 1, modRevision: 1, version: 1, value: [9, 9], lease: 0)], more: false, count: 1, revision: 1)
        let decoded = try Etcdserverpb_RangeResponse(serializedBytes: ProtoWriter.rangeResponse(result, identity: identity, keysOnly: true))
        #expect(decoded.kvs[0].value.isEmpty)
        #expect(decoded.kvs[0].key == Data([1]))
    }

    @Test func emptyRangeStillCarriesHeader() throws {
        let bytes = ProtoWriter.rangeResponse(RangeResult(kvs: [], more: false, count: 0, revision: 1), identity: identity, keysOnly: false)
        let decoded = try Etcdserverpb_RangeResponse(serializedBytes: bytes)
        #expect(decoded.hasHeader)
        #expect(decoded.kvs.isEmpty && decoded.count == 0 && !decoded.more)
    }

    @Test func watchResponseWithNegativeIDAndEvents() throws {
        let put = Event(type: .put, kv: KeyValue(key: Array("b".utf8), createRevision: 10, modRevision: 10, version: 1, value: Array("20".utf8), lease: 0), prevKV: nil)
        let del = Event(type: .delete, kv: KeyValue(key: Array("b".utf8), createRevision: 0, modRevision: 6, version: 0, value: [], lease: 0),
                        prevKV: KeyValue(key: Array("b".utf8), createRevision: 3, modRevision: 3, version: 1, value: Array("2".utf8), lease: 0))
        let bytes = ProtoWriter.watchResponse(identity: identity, revision: 10, watchID: -1, created: true, canceled: true,
                                              compactRevision: 5, cancelReason: "mvcc: watcher range is empty", fragment: true, events: [del, put][...])
        let decoded = try Etcdserverpb_WatchResponse(serializedBytes: bytes)
        #expect(decoded.watchID == -1)
        #expect(decoded.created && decoded.canceled && decoded.fragment)
        #expect(decoded.compactRevision == 5)
        #expect(decoded.cancelReason == "mvcc: watcher range is empty")
        #expect(decoded.events.count == 2)
        #expect(decoded.events[0].type == .delete)
        #expect(decoded.events[0].kv.modRevision == 6)
        #expect(decoded.events[0].prevKv.value == Data("2".utf8))
        #expect(decoded.events[1].type == .put)
        #expect(!decoded.events[1].hasPrevKv)
        #expect(try decoded.serializedBytes() == bytes)
    }

    @Test func compactionCancelHasZeroRevisionHeader() throws {
        let bytes = ProtoWriter.watchResponse(identity: identity, revision: 0, watchID: 0, canceled: true, compactRevision: 5)
        let decoded = try Etcdserverpb_WatchResponse(serializedBytes: bytes)
        #expect(decoded.hasHeader)
        #expect(decoded.header.revision == 0)
        #expect(decoded.header.clusterID == identity.clusterID)
        #expect(decoded.watchID == 0 && decoded.canceled && decoded.compactRevision == 5)
    }
}
