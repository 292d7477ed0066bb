import EtcdProto
import Foundation
import MVCC

/// Applies Put and Txn requests inside one store write transaction, as etcd's
/// `applierV3backend.applyTxn` does.
///
/// Order of work (etcd 3.5 `apply.go`): every compare of the whole txn tree is evaluated
/// against the state *before* any write (`compareToPath`); then the chosen ops are checked
/// (`checkRequestPut`, `checkRequestRange`) so that an error leaves the store untouched; then
/// the ops run in order. Nested response headers carry only a revision:
/// range → beginRev (+1 once something changed), put → beginRev + 1,
/// delete → beginRev + 1 if it or an earlier op changed something, nested txn → empty header.
enum TxnExecutor {
    struct State {
        var beginRevision: Int64
        var changed = false
    }

    static func put(_ r: Etcdserverpb_PutRequest, in txn: inout WriteTransaction) throws(EtcdError) -> KeyValue? {
        var state = State(beginRevision: txn.currentRevision)
        try checkPut(r, in: &txn)
        return try applyPut(r, in: &txn, state: &state).prev
    }

    static func txn(_ r: Etcdserverpb_TxnRequest, in txn: inout WriteTransaction, nested: Bool) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        var path: [Bool] = []
        try computePath(r, txn: &txn, into: &path)
        var cursor = 0
        try check(r, path: path, cursor: &cursor, txn: &txn)
        var state = State(beginRevision: txn.currentRevision)
        cursor = 0
        return try apply(r, path: path, cursor: &cursor, txn: &txn, state: &state)
    }

    // MARK: compares

    /// Depth-first: this txn's outcome, then each nested txn of the chosen branch.
    private static func computePath(_ r: Etcdserverpb_TxnRequest, txn: inout WriteTransaction, into path: inout [Bool]) throws(EtcdError) {
        var ok = true
        for c in r.compare where !compare(c, txn: &txn) {
            ok = false
            break
        }
        path.append(ok)
        for op in ok ? r.success : r.failure {
            if case .requestTxn(let inner) = op.request {
                try computePath(inner, txn: &txn, into: &path)
            }
        }
    }

    /// etcd `applyCompare`: every key in the range must satisfy the compare; a missing key
    /// compares as a zero KeyValue, except that VALUE compares on missing keys always fail.
    private static func compare(_ c: Etcdserverpb_Compare, txn: inout WriteTransaction) -> Bool {
        let result: RangeResult
        do {
            result = try txn.range(key: [UInt8](c.key), end: [UInt8](c.rangeEnd), options: RangeOptions())
        } catch {
            return false
        }
        if result.kvs.isEmpty {
            if c.target == .value { return false }
            return compareKV(c, KeyValue())
        }
        return result.kvs.allSatisfy { compareKV(c, $0) }
    }

    private static func compareKV(_ c: Etcdserverpb_Compare, _ kv: KeyValue) -> Bool {
        let order: Int
        switch c.target {
        case .value:
            var v: [UInt8] = []
            if case .value(let d)? = c.targetUnion { v = [UInt8](d) }
            order = kv.value == v ? 0 : (kv.value.lexicographicallyPrecedes(v) ? -1 : 1)
        case .create:
            order = cmp(kv.createRevision, c.targetUnion.map { if case .createRevision(let x) = $0 { x } else { 0 } } ?? 0)
        case .mod:
            order = cmp(kv.modRevision, c.targetUnion.map { if case .modRevision(let x) = $0 { x } else { 0 } } ?? 0)
        case .lease:
            order = cmp(kv.lease, c.targetUnion.map { if case .lease(let x) = $0 { x } else { 0 } } ?? 0)
        case .version, .UNRECOGNIZED:
            order = cmp(kv.version, c.targetUnion.map { if case .version(let x) = $0 { x } else { 0 } } ?? 0)
        }
        switch c.result {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .greater: return order > 0
        case .less: return order < 0
        case .UNRECOGNIZED: return true
        }
    }

    private static func cmp(_ a: Int64, _ b: Int64) -> Int { a == b ? 0 : (a < b ? -1 : 1) }

    // MARK: checks before any write

    private static func check(_ r: Etcdserverpb_TxnRequest, path: [Bool], cursor: inout Int, txn: inout WriteTransaction) throws(EtcdError) {
        let ok = path[cursor]
        cursor += 1
        for op in ok ? r.success : r.failure {
            switch op.request {
            case .requestRange(let q):
                // etcd `checkRequestRange`: against the txn's read view, before any write;
                // unlike a plain Range, a negative revision here is below the compaction.
                if q.revision != 0 {
                    if q.revision > txn.currentRevision { throw .futureRevision }
                    if q.revision < txn.compactedRevision { throw .compacted }
                }
            case .requestPut(let q):
                try checkPut(q, in: &txn)
            case .requestTxn(let inner):
                try check(inner, path: path, cursor: &cursor, txn: &txn)
            case .requestDeleteRange, nil:
                break
            }
        }
    }

    private static func checkPut(_ r: Etcdserverpb_PutRequest, in txn: inout WriteTransaction) throws(EtcdError) {
        guard r.ignoreValue || r.ignoreLease else { return }
        let existing: RangeResult
        do {
            existing = try txn.range(key: [UInt8](r.key), end: [], options: RangeOptions())
        } catch {
            throw EtcdError(error)
        }
        if existing.kvs.isEmpty { throw .keyNotFound }
    }

    // MARK: apply

    private static func apply(
        _ r: Etcdserverpb_TxnRequest, path: [Bool], cursor: inout Int,
        txn: inout WriteTransaction, state: inout State
    ) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        let ok = path[cursor]
        cursor += 1
        var resp = Etcdserverpb_TxnResponse()
        resp.succeeded = ok
        resp.header = Etcdserverpb_ResponseHeader()
        for op in ok ? r.success : r.failure {
            var out = Etcdserverpb_ResponseOp()
            switch op.request {
            case .requestRange(let q):
                out.responseRange = try applyRange(q, txn: &txn, state: state)
            case .requestPut(let q):
                let (_, putResp) = try applyPut(q, in: &txn, state: &state)
                out.responsePut = putResp
            case .requestDeleteRange(let q):
                out.responseDeleteRange = applyDelete(q, txn: &txn, state: &state)
            case .requestTxn(let inner):
                out.responseTxn = try apply(inner, path: path, cursor: &cursor, txn: &txn, state: &state)
            case nil:
                break
            }
            resp.responses.append(out)
        }
        return resp
    }

    private static func applyRange(_ q: Etcdserverpb_RangeRequest, txn: inout WriteTransaction, state: State) throws(EtcdError) -> Etcdserverpb_RangeResponse {
        do {
            let result = try txn.range(key: [UInt8](q.key), end: [UInt8](q.rangeEnd), options: RangeOptions(q))
            var resp = Etcdserverpb_RangeResponse(result, keysOnly: q.keysOnly)
            resp.header.revision = state.beginRevision + (state.changed ? 1 : 0)
            return resp
        } catch {
            throw EtcdError(error)
        }
    }

    private static func applyPut(
        _ q: Etcdserverpb_PutRequest, in txn: inout WriteTransaction, state: inout State
    ) throws(EtcdError) -> (prev: KeyValue?, Etcdserverpb_PutResponse) {
        let prev: KeyValue?
        do {
            prev = try txn.put(
                key: [UInt8](q.key), value: [UInt8](q.value), lease: q.lease,
                ignoreValue: q.ignoreValue, ignoreLease: q.ignoreLease)
        } catch {
            throw EtcdError(error)
        }
        state.changed = true
        var resp = Etcdserverpb_PutResponse()
        resp.header.revision = state.beginRevision + 1
        if q.prevKv, let prev { resp.prevKv = Mvccpb_KeyValue(prev) }
        return (prev, resp)
    }

    private static func applyDelete(_ q: Etcdserverpb_DeleteRangeRequest, txn: inout WriteTransaction, state: inout State) -> Etcdserverpb_DeleteRangeResponse {
        let deleted = txn.deleteRange(key: [UInt8](q.key), end: [UInt8](q.rangeEnd))
        if !deleted.isEmpty { state.changed = true }
        var resp = Etcdserverpb_DeleteRangeResponse()
        resp.header.revision = state.beginRevision + (state.changed ? 1 : 0)
        resp.deleted = Int64(deleted.count)
        if q.prevKv { resp.prevKvs = deleted.map { Mvccpb_KeyValue($0) } }
        return resp
    }
}
