import Testing
@testable import MVCC

@Suite struct KVStoreLeaseTests {
    /// etcd-v3-api.md §7.3 case 39 (store side).
    @Test func case39UnknownLease() {
        let s = KVStore.seededF1()
        #expect(s.leaseTimeToLive(id: 123, includeKeys: true) == nil)
        #expect(s.leaseIDs().isEmpty)
        #expect(s.renewLease(id: 123) == nil)
        #expect(throws: MVCCError.leaseNotFound) { try s.revokeLease(id: 123) }
    }

    @Test func grantRules() throws {
        let s = KVStore.make { $0.minLeaseTTL = 2 }
        #expect(try s.grantLease(id: 7, ttl: 30) == (7, 30))
        #expect(throws: MVCCError.leaseExists) { try s.grantLease(id: 7, ttl: 30) }
        #expect(throws: MVCCError.leaseTTLTooLarge) { try s.grantLease(id: 8, ttl: 9_000_000_001) }
        #expect(try s.grantLease(id: 9, ttl: 0).ttl == 2)
        let auto = try s.grantLease(id: 0, ttl: 10)
        #expect(auto.id > 0)
        #expect(s.leaseIDs() == [7, 9, auto.id].sorted())
    }

    @Test func putWithMissingLease() {
        let s = KVStore()
        #expect(throws: MVCCError.leaseNotFound) { try s.put(key: b("k"), value: b("v"), lease: 42) }
        #expect(s.currentRevision == 1)
    }

    @Test func expiryDeletesKeysInOneRevision() throws {
        let clock = TestClock()
        let s = KVStore.make(clock: clock)
        let lease = try s.grantLease(id: 100, ttl: 10).id
        try s.put(key: b("l/b"), value: b("1"), lease: lease)
        try s.put(key: b("l/a"), value: b("2"), lease: lease)
        try s.put(key: b("l/c"), value: b("3"), lease: lease)
        try s.put(key: b("l/c"), value: b("detached"))  // re-put without lease detaches
        try s.put(key: b("other"), value: b("x"))
        let w = s.makeWatchStream {}
        _ = w.watch(WatchCreateRequest(key: b("l/"), end: b("l0")))
        let ttl = s.leaseTimeToLive(id: lease, includeKeys: true)
        #expect(ttl?.grantedTTL == 10)
        #expect(ttl?.remaining == 10)
        #expect(ttl?.keys == [b("l/a"), b("l/b")])
        clock.advance(6)
        #expect(s.leaseTimeToLive(id: lease, includeKeys: false)?.remaining == 4)
        #expect(s.renewLease(id: lease) == 10)
        clock.advance(9)
        s.expireLeases()
        #expect(s.leaseIDs() == [lease])
        clock.advance(2)
        s.expireLeases()
        #expect(s.leaseIDs().isEmpty)
        #expect(s.currentRevision == 7)
        #expect(keys(try s.range(key: [0], end: [0]).kvs) == ["l/c", "other"])
        #expect(w.takePending(max: 10) == [.events(watchID: 0, revision: 7, events: [del("l/a", 7), del("l/b", 7)])])
        #expect(s.renewLease(id: lease) == nil)
    }

    @Test func revokeReturnsRevision() throws {
        let s = KVStore()
        let lease = try s.grantLease(id: 1, ttl: 60).id
        #expect(try s.revokeLease(id: lease) == 1)  // no keys: revision unchanged
        let l2 = try s.grantLease(id: 2, ttl: 60).id
        try s.put(key: b("k"), value: b("v"), lease: l2)
        s.deleteRange(key: b("k"), end: [])  // delete detaches
        try s.put(key: b("k"), value: b("again"))
        #expect(try s.revokeLease(id: l2) == 4)
        #expect(s.keyCount == 1)
    }

    @Test func rolledBackPutDoesNotAttach() throws {
        let s = KVStore()
        let lease = try s.grantLease(id: 1, ttl: 60).id
        struct Abort: Error {}
        _ = try? s.write { (t: inout WriteTransaction) throws(Abort) in
            _ = try? t.put(key: b("k"), value: b("v"), lease: lease)
            throw Abort()
        }
        #expect(s.leaseTimeToLive(id: lease, includeKeys: true)?.keys == [])
    }
}
