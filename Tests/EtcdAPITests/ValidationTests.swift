import EtcdProto
import Foundation
import Testing

@testable import EtcdAPI

@Suite struct ValidationTests {
    func put(_ key: String, value: String = "", lease: Int64 = 0, ignoreValue: Bool = false, ignoreLease: Bool = false) -> Etcdserverpb_RequestOp {
        var p = Etcdserverpb_PutRequest()
        p.key = Data(key.utf8)
        p.value = Data(value.utf8)
        p.lease = lease
        p.ignoreValue = ignoreValue
        p.ignoreLease = ignoreLease
        var op = Etcdserverpb_RequestOp()
        op.requestPut = p
        return op
    }

    func delete(_ key: String, _ end: String = "") -> Etcdserverpb_RequestOp {
        var d = Etcdserverpb_DeleteRangeRequest()
        d.key = Data(key.utf8)
        d.rangeEnd = Data(end.utf8)
        var op = Etcdserverpb_RequestOp()
        op.requestDeleteRange = d
        return op
    }

    func txnOp(success: [Etcdserverpb_RequestOp], failure: [Etcdserverpb_RequestOp] = []) -> Etcdserverpb_RequestOp {
        var t = Etcdserverpb_TxnRequest()
        t.success = success
        t.failure = failure
        var op = Etcdserverpb_RequestOp()
        op.requestTxn = t
        return op
    }

    @Test func emptyKeyRejectedEverywhere() {
        #expect(throws: EtcdError.emptyKey) { try Validation.checkRange(Etcdserverpb_RangeRequest()) }
        #expect(throws: EtcdError.emptyKey) { try Validation.checkPut(Etcdserverpb_PutRequest()) }
        #expect(throws: EtcdError.emptyKey) { try Validation.checkDelete(Etcdserverpb_DeleteRangeRequest()) }
        var t = Etcdserverpb_TxnRequest()
        t.compare = [Etcdserverpb_Compare()]
        #expect(throws: EtcdError.emptyKey) { try Validation.checkTxn(t) }
    }

    @Test func putFlagConflicts() {
        var p = Etcdserverpb_PutRequest()
        p.key = Data("a".utf8)
        p.ignoreValue = true
        p.value = Data("x".utf8)
        #expect(throws: EtcdError.valueProvided) { try Validation.checkPut(p) }
        p = Etcdserverpb_PutRequest()
        p.key = Data("a".utf8)
        p.ignoreLease = true
        p.lease = 5
        #expect(throws: EtcdError.leaseProvided) { try Validation.checkPut(p) }
    }

    @Test func tooManyOps() {
        var t = Etcdserverpb_TxnRequest()
        var c = Etcdserverpb_Compare()
        c.key = Data("a".utf8)
        t.compare = Array(repeating: c, count: 129)
        #expect(throws: EtcdError.tooManyOps) { try Validation.checkTxn(t) }
        t.compare = Array(repeating: c, count: 128)
        #expect(throws: Never.self) { try Validation.checkTxn(t) }
    }

    @Test func emptyRequestOpIsKeyNotFound() {
        var t = Etcdserverpb_TxnRequest()
        t.success = [Etcdserverpb_RequestOp()]
        #expect(throws: EtcdError.keyNotFound) { try Validation.checkTxn(t) }
    }

    @Test func duplicateKeys() {
        #expect(throws: EtcdError.duplicateKey) { _ = try Validation.checkIntervals([put("a"), put("a")]) }
        #expect(throws: EtcdError.duplicateKey) { _ = try Validation.checkIntervals([put("b"), delete("a", "c")]) }
        #expect(throws: EtcdError.duplicateKey) { _ = try Validation.checkIntervals([put("a"), delete("a")]) }
        #expect(throws: EtcdError.duplicateKey) { _ = try Validation.checkIntervals([put("a"), txnOp(success: [put("a")])]) }
        // then/else branches of one nested txn are exclusive: the same key in both is fine.
        #expect(throws: Never.self) { _ = try Validation.checkIntervals([txnOp(success: [put("a")], failure: [put("a")])]) }
        // etcd treats a "\0" range end literally here: a from-key delete does not conflict.
        #expect(throws: Never.self) { _ = try Validation.checkIntervals([put("b"), delete("a", "\u{0}")]) }
        #expect(throws: Never.self) { _ = try Validation.checkIntervals([put("a"), put("b"), delete("c", "d")]) }
    }
}
