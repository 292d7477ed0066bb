import MVCC

extension MirrorState {
    /// Writes every dirty key whose desired value differs from what was last written, then any
    /// canary that became due. Failed keys stay dirty; canaries wait until nothing is pending.
    mutating func flush(store: KVStore, into result: inout MeshApplyResult) {
        if !pendingRejections.isEmpty {
            result.rejections += pendingRejections
            totalRejections += pendingRejections.count
            pendingRejections.removeAll()
        }
        var ops: [(key: String, value: [UInt8]?)] = []
        for key in dirty {
            let desired = ownership.desiredValue(key)
            if desired != written[key] { ops.append((key, desired)) }
        }
        dirty.removeAll(keepingCapacity: true)
        dirtySet.removeAll(keepingCapacity: true)
        var start = 0
        while start < ops.count {
            let chunk = ops[start..<min(start + configuration.maxOpsPerTransaction, ops.count)]
            start += chunk.count
            write(chunk, store: store, into: &result)
        }
        writeDueCanaries(store: store, into: &result)
    }

    private mutating func write(_ chunk: ArraySlice<(key: String, value: [UInt8]?)>, store: KVStore, into result: inout MeshApplyResult) {
        let lease = configuration.leaseID
        var failed: [(index: Int, error: MVCCError)] = []
        let revision = store.write { (txn: inout WriteTransaction) in
            for index in chunk.indices {
                let op = chunk[index]
                if let value = op.value {
                    do throws(MVCCError) {
                        try txn.put(key: Array(op.key.utf8), value: value, lease: lease)
                    } catch {
                        failed.append((index, error))
                    }
                } else {
                    txn.deleteRange(key: Array(op.key.utf8), end: [])
                }
            }
        }.revision
        result.revision = max(result.revision, revision)
        var failedIndices: Set<Int> = []
        for (index, error) in failed {
            failedIndices.insert(index)
            let key = chunk[index].key
            result.storeErrors.append("put \(key): \(error)")
            totalStoreErrors += 1
            if dirtySet.insert(key).inserted { dirty.append(key) }
        }
        for index in chunk.indices where !failedIndices.contains(index) {
            let op = chunk[index]
            let resource = MeshResource.of(key: op.key)
            if let value = op.value {
                if written.updateValue(value, forKey: op.key) == nil, let resource { keyCounts[resource, default: 0] += 1 }
                result.puts += 1
                totalPuts += 1
            } else {
                if written.removeValue(forKey: op.key) != nil, let resource { keyCounts[resource, default: 0] -= 1 }
                result.deletes += 1
                totalDeletes += 1
            }
        }
    }

    /// A canary is due once the mirror started, every kind it depends on finished its initial
    /// list, and no state write is pending (so that list is fully in the store).
    private mutating func writeDueCanaries(store: KVStore, into result: inout MeshApplyResult) {
        guard started, dirty.isEmpty else { return }
        let value = Array(GoTime.rfc3339(secondsSinceEpoch: configuration.now()).utf8)
        for resource in MeshResource.allCases
        where configuration.resources.contains(resource) && !canaries.contains(resource)
            && configuration.kinds(for: resource).allSatisfy(listed.contains)
        {
            if put(KeyPaths.synced(cluster: cluster.name, prefix: resource.prefix), value, store: store, into: &result) {
                canaries.insert(resource)
                result.canaries.append(resource)
            }
        }
    }

    /// Cluster config (and `.has-cluster-config`) and, with `force`, the heartbeat; without
    /// `force` only keys whose stored value differs are rewritten.
    mutating func writeStaticKeys(store: KVStore, now: Int64, force: Bool, into result: inout MeshApplyResult) {
        var keys: [(String, [UInt8])] = [
            (KeyPaths.clusterConfig(cluster: cluster.name), configuration.clusterConfig.jsonBytes)
        ]
        if configuration.writeHasClusterConfig { keys.append((KeyPaths.hasClusterConfig, Array("true".utf8))) }
        if force { keys.append((KeyPaths.heartbeat, Array(GoTime.rfc3339(secondsSinceEpoch: now).utf8))) }
        for (key, value) in keys where force || storedValue(key, store: store) != value {
            put(key, value, store: store, into: &result)
        }
    }

    /// Re-creates canaries already written that have vanished from the store.
    mutating func repairCanaries(store: KVStore, into result: inout MeshApplyResult) {
        let value = Array(GoTime.rfc3339(secondsSinceEpoch: configuration.now()).utf8)
        for resource in MeshResource.allCases where canaries.contains(resource) {
            let key = KeyPaths.synced(cluster: cluster.name, prefix: resource.prefix)
            if storedValue(key, store: store) == nil { put(key, value, store: store, into: &result) }
        }
    }

    /// A single put outside the state bookkeeping (static keys, canaries, heartbeat).
    @discardableResult
    mutating func put(_ key: String, _ value: [UInt8], store: KVStore, into result: inout MeshApplyResult) -> Bool {
        do {
            let revision = try store.put(key: Array(key.utf8), value: value, lease: configuration.leaseID).revision
            result.revision = max(result.revision, revision)
            result.puts += 1
            totalPuts += 1
            return true
        } catch {
            result.storeErrors.append("put \(key): \(error)")
            totalStoreErrors += 1
            return false
        }
    }

    private func storedValue(_ key: String, store: KVStore) -> [UInt8]? {
        (try? store.range(key: Array(key.utf8), end: []))?.kvs.first?.value
    }
}
