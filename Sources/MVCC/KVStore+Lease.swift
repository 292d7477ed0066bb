extension KVStore {
    /// Grants a lease. `id == 0` picks a random unused positive ID; TTLs below `minLeaseTTL`
    /// are raised to it.
    public func grantLease(id: Int64, ttl: Int64) throws(MVCCError) -> (id: Int64, ttl: Int64) {
        try core.withLock { (c: inout StoreCore) throws(MVCCError) -> (id: Int64, ttl: Int64) in
            try c.grantLease(id: id, ttl: ttl)
        }
    }

    /// Revokes a lease, deleting its keys in one write txn; returns the revision afterwards.
    @discardableResult
    public func revokeLease(id: Int64) throws(MVCCError) -> Int64 {
        let r = try core.withLock { (c: inout StoreCore) throws(MVCCError) -> (revision: Int64, woke: [StreamQueue]) in
            try c.revokeLease(id: id)
        }
        Self.wake(r.woke)
        return r.revision
    }

    /// Renews a lease; returns its TTL, nil if unknown or expired.
    public func renewLease(id: Int64) -> Int64? {
        core.withLock { $0.renewLease(id: id) }
    }

    /// Granted TTL, whole seconds remaining and (optionally) attached keys; nil if unknown.
    public func leaseTimeToLive(id: Int64, includeKeys: Bool) -> (grantedTTL: Int64, remaining: Int64, keys: [[UInt8]])? {
        core.withLock { $0.leaseTimeToLive(id: id, includeKeys: includeKeys) }
    }

    /// IDs of all leases, ascending.
    public func leaseIDs() -> [Int64] {
        core.withLock { $0.leases.byID.keys.sorted() }
    }

    /// Revokes expired leases (at most 1000 per call), each deleting its keys in one write txn.
    public func expireLeases() {
        let woke = core.withLock { $0.expireLeases(maxLeases: 1000) }
        Self.wake(woke)
    }
}
