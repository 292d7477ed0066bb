extension StoreCore {
    func grantLease(id requested: Int64, ttl: Int64) throws(MVCCError) -> (id: Int64, ttl: Int64) {
        if ttl > configuration.maxLeaseTTL { throw .leaseTTLTooLarge }
        var id = requested
        if id == 0 {
            repeat { id = Int64.random(in: 1...Int64.max) } while leases.byID[id] != nil
        } else if leases.byID[id] != nil {
            throw .leaseExists
        }
        let effective = max(ttl, configuration.minLeaseTTL, 1)
        leases.byID[id] = LeaseEntry(id: id, ttl: effective, expiry: configuration.now() + Double(effective))
        return (id, effective)
    }

    /// Removes the lease and deletes its keys in one write txn (sorted, like etcd's lessor).
    func revokeLease(id: Int64) throws(MVCCError) -> (revision: Int64, woke: [StreamQueue]) {
        guard let lease = leases.byID.removeValue(forKey: id) else { throw .leaseNotFound }
        var txn = beginTxn()
        for key in lease.keys.sorted(by: { compareBytes($0, $1) < 0 }) {
            _ = txnDelete(&txn, span: KeySpan(key: key, rangeEnd: []))
        }
        let woke = commit(txn)
        return (currentRevision, woke)
    }

    func renewLease(id: Int64) -> Int64? {
        let now = configuration.now()
        guard var lease = leases.byID[id], lease.expiry > now else { return nil }
        lease.expiry = now + Double(lease.ttl)
        leases.byID[id] = lease
        return lease.ttl
    }

    func leaseTimeToLive(id: Int64, includeKeys: Bool) -> (grantedTTL: Int64, remaining: Int64, keys: [[UInt8]])? {
        let now = configuration.now()
        guard let lease = leases.byID[id], lease.expiry > now else { return nil }
        let remaining = Int64((lease.expiry - now).rounded(.towardZero))
        let keys = includeKeys ? lease.keys.sorted(by: { compareBytes($0, $1) < 0 }) : []
        return (lease.ttl, remaining, keys)
    }

    /// Revokes up to `maxLeases` expired leases, each in its own write txn.
    func expireLeases(maxLeases: Int) -> [StreamQueue] {
        let now = configuration.now()
        let expired = leases.byID.values.filter { $0.expiry <= now }.sorted { $0.expiry < $1.expiry }.prefix(maxLeases)
        var woke: [StreamQueue] = []
        for lease in expired {
            if let r = try? revokeLease(id: lease.id) { woke += r.woke }
        }
        return woke
    }
}
