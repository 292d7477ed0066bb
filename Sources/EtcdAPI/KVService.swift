import EtcdProto
import Foundation
import MVCC

/// KV.Range/Put/DeleteRange/Txn/Compact (etcd `v3rpc/key.go` + `apply.go`).
///
/// Each handler: validate (etcd's gRPC-layer checks), check permission, call the store, map
/// errors, fill the header.
struct KVService {
    let store: KVStore
    let identity: ServerIdentity
    let policy: AccessPolicy

    func range(_ r: Etcdserverpb_RangeRequest, _ ctx: CallContext) throws(EtcdError) -> [UInt8] {
        try Validation.checkRange(r)
        let key = [UInt8](r.key), end = [UInt8](r.rangeEnd)
        guard policy.canRead(ctx.principal, key: key, end: end) else { throw .permissionDenied }
        do {
            let result = try store.range(key: key, end: end, options: RangeOptions(r))
            return ProtoWriter.rangeResponse(result, identity: identity, keysOnly: r.keysOnly)
        } catch {
            throw EtcdError(error)
        }
    }

    func put(_ r: Etcdserverpb_PutRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_PutResponse {
        try Validation.checkPut(r)
        let key = [UInt8](r.key)
        guard policy.canWrite(ctx.principal, key: key, end: []) else { throw .permissionDenied }
        let (prev, revision) = try writeTxn { txn throws(EtcdError) in
            try TxnExecutor.put(r, in: &txn)
        }
        var resp = Etcdserverpb_PutResponse()
        resp.header = identity.header(revision: revision)
        if r.prevKv, let prev { resp.prevKv = Mvccpb_KeyValue(prev) }
        return resp
    }

    func deleteRange(_ r: Etcdserverpb_DeleteRangeRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_DeleteRangeResponse {
        try Validation.checkDelete(r)
        let key = [UInt8](r.key), end = [UInt8](r.rangeEnd)
        guard policy.canWrite(ctx.principal, key: key, end: end) else { throw .permissionDenied }
        let (revision, deleted) = store.deleteRange(key: key, end: end)
        var resp = Etcdserverpb_DeleteRangeResponse()
        resp.header = identity.header(revision: revision)
        resp.deleted = Int64(deleted.count)
        if r.prevKv { resp.prevKvs = deleted.map { Mvccpb_KeyValue($0) } }
        return resp
    }

    func txn(_ r: Etcdserverpb_TxnRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_TxnResponse {
        try Validation.checkTxn(r)
        _ = try Validation.checkIntervals(r.success)
        _ = try Validation.checkIntervals(r.failure)
        try checkTxnPermission(r, ctx.principal)
        let (resp, revision) = try writeTxn { txn throws(EtcdError) in
            try TxnExecutor.txn(r, in: &txn, nested: false)
        }
        var out = resp
        out.header = identity.header(revision: revision)
        return out
    }

    func compact(_ r: Etcdserverpb_CompactionRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_CompactionResponse {
        guard policy.isAdmin(ctx.principal) else { throw .permissionDenied }
        do {
            try store.compact(r.revision)
        } catch {
            throw EtcdError(error)
        }
        var resp = Etcdserverpb_CompactionResponse()
        resp.header = identity.header(revision: store.currentRevision)
        return resp
    }

    /// etcd `checkTxnReqsPermission`: compares need read access, and every op of both
    /// branches (recursively) needs its permission, whichever branch runs.
    private func checkTxnPermission(_ r: Etcdserverpb_TxnRequest, _ p: Principal) throws(EtcdError) {
        for c in r.compare where !policy.canRead(p, key: [UInt8](c.key), end: [UInt8](c.rangeEnd)) {
            throw .permissionDenied
        }
        for op in r.success + r.failure {
            switch op.request {
            case .requestRange(let q):
                if !policy.canRead(p, key: [UInt8](q.key), end: [UInt8](q.rangeEnd)) { throw .permissionDenied }
            case .requestPut(let q):
                if !policy.canWrite(p, key: [UInt8](q.key), end: []) { throw .permissionDenied }
            case .requestDeleteRange(let q):
                if !policy.canWrite(p, key: [UInt8](q.key), end: [UInt8](q.rangeEnd)) { throw .permissionDenied }
            case .requestTxn(let q):
                try checkTxnPermission(q, p)
            case nil:
                break
            }
        }
    }

    /// Runs `body` as one store write transaction, carrying a typed error out of it.
    private func writeTxn<T>(
        _ body: (inout WriteTransaction) throws(EtcdError) -> T
    ) throws(EtcdError) -> (T, Int64) {
        do {
            let (result, revision) = try store.write { (txn: inout WriteTransaction) throws -> T in
                try body(&txn)
            }
            return (result, revision)
        } catch let e as EtcdError {
            throw e
        } catch let e as MVCCError {
            throw EtcdError(e)
        } catch {
            throw EtcdError(.unknown, "\(error)")
        }
    }
}
