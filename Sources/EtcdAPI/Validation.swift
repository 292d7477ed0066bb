import EtcdProto

/// etcd's gRPC-layer request checks (`server/etcdserver/api/v3rpc/key.go`), run before any
/// permission check, in etcd's order.
enum Validation {
    static let maxTxnOps = 128

    static func checkRange(_ r: Etcdserverpb_RangeRequest) throws(EtcdError) {
        if r.key.isEmpty { throw .emptyKey }
        if case .UNRECOGNIZED = r.sortOrder { throw .invalidSortOption }
        if case .UNRECOGNIZED = r.sortTarget { throw .invalidSortOption }
    }

    static func checkPut(_ r: Etcdserverpb_PutRequest) throws(EtcdError) {
        if r.key.isEmpty { throw .emptyKey }
        if r.ignoreValue && !r.value.isEmpty { throw .valueProvided }
        if r.ignoreLease && r.lease != 0 { throw .leaseProvided }
    }

    static func checkDelete(_ r: Etcdserverpb_DeleteRangeRequest) throws(EtcdError) {
        if r.key.isEmpty { throw .emptyKey }
    }

    static func checkTxn(_ r: Etcdserverpb_TxnRequest, maxOps: Int = maxTxnOps) throws(EtcdError) {
        let opc = max(r.compare.count, r.success.count, r.failure.count)
        if opc > maxOps { throw .tooManyOps }
        for c in r.compare where c.key.isEmpty { throw .emptyKey }
        for op in r.success { try checkOp(op, maxOps: maxOps - opc) }
        for op in r.failure { try checkOp(op, maxOps: maxOps - opc) }
    }

    static func checkOp(_ op: Etcdserverpb_RequestOp, maxOps: Int) throws(EtcdError) {
        switch op.request {
        case .requestRange(let r): try checkRange(r)
        case .requestPut(let r): try checkPut(r)
        case .requestDeleteRange(let r): try checkDelete(r)
        case .requestTxn(let r): try checkTxn(r, maxOps: maxOps)
        case nil: throw .keyNotFound
        }
    }

    /// etcd `checkIntervals`: no key may be put twice, or put and deleted, in one txn level
    /// (nested then/else branches may put the same key since only one of them runs).
    static func checkIntervals(_ ops: [Etcdserverpb_RequestOp]) throws(EtcdError) -> (puts: Set<[UInt8]>, dels: [KeyInterval]) {
        var dels: [KeyInterval] = []
        for op in ops {
            guard case .requestDeleteRange(let d) = op.request else { continue }
            dels.append(KeyInterval(key: [UInt8](d.key), end: [UInt8](d.rangeEnd)))
        }
        var puts = Set<[UInt8]>()
        for op in ops {
            guard case .requestTxn(let t) = op.request else { continue }
            let then = try checkIntervals(t.success)
            let els = try checkIntervals(t.failure)
            for k in then.puts {
                if puts.contains(k) || dels.contains(where: { $0.contains(k) }) { throw .duplicateKey }
                puts.insert(k)
            }
            for k in els.puts {
                if puts.contains(k) && !then.puts.contains(k) { throw .duplicateKey }
                if dels.contains(where: { $0.contains(k) }) { throw .duplicateKey }
                puts.insert(k)
            }
            dels.append(contentsOf: then.dels)
            dels.append(contentsOf: els.dels)
        }
        for op in ops {
            guard case .requestPut(let p) = op.request else { continue }
            let k = [UInt8](p.key)
            if puts.contains(k) || dels.contains(where: { $0.contains(k) }) { throw .duplicateKey }
            puts.insert(k)
        }
        return (puts, dels)
    }
}

/// A delete range as etcd's `checkIntervals` sees it: `[key, end)`, or the point `key` when
/// `end` is empty. Note etcd treats `end == "\0"` literally here (an empty interval for any
/// key above "\0"), so a from-key delete never conflicts with a put in the same txn.
struct KeyInterval {
    var key: [UInt8]
    var end: [UInt8]

    func contains(_ k: [UInt8]) -> Bool {
        if end.isEmpty { return k == key }
        return !k.lexicographicallyPrecedes(key) && k.lexicographicallyPrecedes(end)
    }
}
