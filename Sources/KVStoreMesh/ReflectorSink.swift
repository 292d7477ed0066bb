/// One reflector's view of a list-watch: validates each remote entry, maps its key under the
/// cache prefix (the suffix after the watch prefix is kept) and writes it byte for byte; after
/// each (re)list deletes exactly the cached keys not seen again, and after the first one writes
/// the kind's canary.
struct ReflectorSink: ListWatchSink {
    let kind: ReflectorKind
    let remote: RemoteCluster
    let watchPrefix: [UInt8]
    let cachePrefix: [UInt8]
    let validator: EntryValidator
    let maxKeyBytes: Int
    let maxEntries: Int
    /// Local keys seen by the list in progress.
    private var seen: Set<[UInt8]> = []
    private var listedOnce = false

    init(kind: ReflectorKind, remote: RemoteCluster, config: RemoteClusterConfig, watchPrefix: [UInt8]) {
        let c = remote.configuration
        self.kind = kind
        self.remote = remote
        self.watchPrefix = watchPrefix
        self.cachePrefix = remote.cachePrefix(kind)
        self.validator = EntryValidator(
            remote: remote.name, clusterID: config.id, maxConnectedClusters: c.maxConnectedClusters, maxValueBytes: c.maxValueBytes)
        self.maxKeyBytes = c.maxKeyBytes
        self.maxEntries = c.maxEntriesPerKind
    }

    mutating func beginList() { seen.removeAll(keepingCapacity: true) }

    mutating func listed(_ kvs: [RemoteKeyValue]) async {
        var ops: [CacheOp] = []
        ops.reserveCapacity(kvs.count)
        for kv in kvs {
            guard let (local, name) = map(kv.key) else { continue }
            if let rejection = validator.check(kind, name: name, value: kv.value) {
                remote.noteRejection(kind, rejection, key: text(kv.key))
                continue
            }
            // Bounded like the cache: more than maxEntries keys cannot be stored anyway.
            if seen.count < maxEntries { seen.insert(local) }
            ops.append(CacheOp(key: local, value: kv.value))
        }
        await write(ops)
    }

    mutating func endList(revision: Int64) async {
        let stale = remote.mesh.writer.keys(under: cachePrefix, notIn: seen)
        seen.removeAll()
        await write(stale.map { CacheOp(key: $0, value: nil) })
        remote.setEntries(kind, remote.mesh.writer.count(prefix: cachePrefix))
        if !listedOnce {
            listedOnce = true
            remote.reflectorSynced(kind)
        }
    }

    mutating func events(_ events: [RemoteEvent]) async {
        var ops: [CacheOp] = []
        ops.reserveCapacity(events.count)
        for event in events {
            switch event {
            case .put(let kv):
                guard let (local, name) = map(kv.key) else { continue }
                if let rejection = validator.check(kind, name: name, value: kv.value) {
                    remote.noteRejection(kind, rejection, key: text(kv.key))
                    // Never keep a value the remote has replaced with one we refuse.
                    ops.append(CacheOp(key: local, value: nil))
                } else {
                    ops.append(CacheOp(key: local, value: kv.value))
                }
            case .delete(let kv):
                guard let (local, _) = map(kv.key, counting: false) else { continue }
                ops.append(CacheOp(key: local, value: nil))
            }
        }
        await write(ops)
    }

    /// Local key and name (the suffix) of a remote key, or nil (counted) when it is outside the
    /// watched prefix, has nothing after it, is too long or is not UTF-8.
    private func map(_ key: [UInt8], counting: Bool = true) -> (local: [UInt8], name: String)? {
        let problem: EntryRejection?
        if key.count > maxKeyBytes {
            problem = EntryRejection(.limit, "key of \(key.count) bytes exceeds \(maxKeyBytes)")
        } else if key.count <= watchPrefix.count || !key.starts(with: watchPrefix) {
            problem = EntryRejection(.foreignKey, "not under \(text(watchPrefix))")
        } else if let name = String(validating: key[watchPrefix.count...], as: UTF8.self) {
            return (cachePrefix + key[watchPrefix.count...], name)
        } else {
            problem = EntryRejection(.foreignKey, "key is not UTF-8")
        }
        if counting, let problem { remote.noteRejection(kind, problem, key: text(key)) }
        return nil
    }

    private func write(_ ops: [CacheOp]) async {
        guard !ops.isEmpty else { return }
        let budget = max(0, maxEntries - remote.entries(kind))
        let outcome = await remote.mesh.writer.apply(ops, createBudget: budget)
        remote.adjustEntries(kind, by: outcome.created - outcome.deleted)
        if outcome.refused > 0 {
            let why = outcome.errors.first ?? "more than \(maxEntries) \(kind.rawValue) entries"
            for _ in 0..<outcome.refused {
                remote.noteRejection(kind, EntryRejection(.limit, why), key: "(\(outcome.refused) new keys)")
            }
        }
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
