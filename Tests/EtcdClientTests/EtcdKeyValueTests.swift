import Testing
@testable import EtcdClient

@Suite struct EtcdKeyValueTests {
    @Test func prefixEndLikeClientv3() {
        #expect(EtcdKeyRange.prefixEnd(bytes("cilium/")) == bytes("cilium0"))
        #expect(EtcdKeyRange.prefixEnd([0x61, 0xFF]) == [0x62])
        #expect(EtcdKeyRange.prefixEnd([0xFF, 0xFF]) == [0])
        #expect(EtcdKeyRange.prefix([]) == ([0], [0]))
    }

    @Test func ciliumEventTyping() {
        let create = EtcdEvent(kind: .put, kv: EtcdKeyValue(key: [1], createRevision: 5, modRevision: 5, version: 1))
        let modify = EtcdEvent(kind: .put, kv: EtcdKeyValue(key: [1], createRevision: 5, modRevision: 7, version: 2))
        #expect(create.isCreate)
        #expect(!modify.isCreate)
        #expect(EtcdKeyValue(key: [0xFF]).keyString == nil)
    }

    @Test func watchUpdateErrorsLikeClientv3() {
        let header = EtcdResponseHeader(revision: 9)
        #expect(EtcdWatchUpdate.canceled(header, compactRevision: 4, reason: "").error == .compacted)
        #expect(EtcdWatchUpdate.canceled(header, compactRevision: 4, reason: "").error?.isCompacted == true)
        #expect(EtcdWatchUpdate.canceled(header, compactRevision: 0, reason: "").error == .futureRevision)
        #expect(EtcdWatchUpdate.canceled(header, compactRevision: 0, reason: "etcdserver: permission denied").error
            == .server(.init(.failedPrecondition, "etcdserver: permission denied")))
        #expect(EtcdWatchUpdate.progress(header).error == nil)
    }
}
