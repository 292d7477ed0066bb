/// The store's state; only touched under `KVStore`'s lock. (`@unchecked Sendable` so a write
/// transaction handed to caller code inside the lock does not trip region checking; the lock is
/// what makes access safe.)
final class StoreCore: @unchecked Sendable {
    let configuration: KVStoreConfiguration
    var index = KeyIndex()
    var history = History()
    var currentRevision: Int64
    /// Reads below this revision fail with `compacted` (0 on a fresh store: nothing compacted).
    var compactedRevision: Int64
    /// History entries below this revision are gone and keys are compacted up to it.
    var physicallyCompactedRevision: Int64
    var leases = LeaseTable()
    var hub = WatchHub()
    /// Counter behind `TxnState.serial`.
    var txnSerial: UInt64 = 0

    init(configuration: KVStoreConfiguration) {
        self.configuration = configuration
        let initial = max(1, configuration.initialRevision)
        currentRevision = initial
        // etcd starts with compactMainRev -1, so Compact(0) is accepted on a fresh store.
        compactedRevision = initial > 1 ? initial : -1
        physicallyCompactedRevision = compactedRevision
    }

    /// Resolves a requested read revision (etcd `rangeKeys` order: future, then default, then compacted).
    func resolveReadRevision(_ requested: Int64, current: Int64) throws(MVCCError) -> Int64 {
        if requested > current { throw .futureRevision }
        let rev = requested <= 0 ? current : requested
        if rev < compactedRevision { throw .compacted }
        return rev
    }
}

/// Leases: granted TTL, expiry (monotonic seconds) and attached keys.
struct LeaseEntry {
    var id: Int64
    var ttl: Int64
    var expiry: Double
    var keys: Set<[UInt8]> = []
}

struct LeaseTable {
    var byID: [Int64: LeaseEntry] = [:]

    mutating func attach(_ key: [UInt8], to id: Int64) {
        guard id != 0 else { return }
        byID[id]?.keys.insert(key)
    }

    mutating func detach(_ key: [UInt8], from id: Int64) {
        guard id != 0 else { return }
        byID[id]?.keys.remove(key)
    }
}
