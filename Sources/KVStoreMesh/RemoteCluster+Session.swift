import Mesh

extension RemoteCluster {
    /// After the connection is established (upstream `Run`): retrieve and validate the remote's
    /// cluster config, republish it FIRST, then start the reflectors (each once its remote canary
    /// exists when the remote has `syncedCanaries`), and re-enforce the config every 5 minutes.
    func runSession(_ connection: RemoteConnection) async throws(ConnectionFailure) {
        let config = try await fetchClusterConfig(connection)
        state.withLock { $0.remoteConfig = config }
        if let problem = config.validationError(localMaxConnectedClusters: configuration.maxConnectedClusters) {
            throw .clusterConfig("invalid cluster configuration: \(problem)")
        }
        if let owner = mesh.ids.reserve(config.id, for: name) {
            // Write nothing for a remote that clashes, and withdraw a config published earlier so
            // that agents stop using this remote's (stale) cache.
            mesh.writer.delete(KeyPaths.clusterConfig(cluster: name))
            throw .clusterIDConflict("cluster ID \(config.id) is already used by \(owner)")
        }
        let configKey = KeyPaths.clusterConfig(cluster: name)
        let published = config.published.jsonBytes
        mesh.writer.put(configKey, published)
        guard mesh.writer.value(configKey) == published else { throw .localStore("cannot write \(configKey)") }

        let enabled = config.enabledKinds
        let revocation = state.withLock { s -> Task<Void, Never>? in
            s.enabled = enabled
            s.ready = true
            s.revoked = false
            if s.firstConnectedAt == nil { s.firstConnectedAt = mesh.clock.now }
            return s.ttlTask
        }
        // A revocation still deleting must not race with the new lists.
        await revocation?.value
        mesh.onChange()
        mesh.log(.info, "remote \(name): cluster ID \(config.id), cluster config republished (\(String(decoding: published, as: UTF8.self)))")

        // Disabled reflectors drain what they cached before and "pretend synced".
        for kind in ReflectorKind.allCases where !enabled.contains(kind) {
            _ = await mesh.writer.deletePrefix(cachePrefix(kind))
            state.withLock { $0.entries[kind] = 0 }
            reflectorSynced(kind)
        }

        let gates = AsyncFlags<ReflectorKind>()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if config.syncedCanaries {
                    group.addTask {
                        var sink = CanarySink(remote: self.name, cached: config.cached, kinds: enabled, gates: gates)
                        try await self.listWatch(connection, KeyPaths.synced(cluster: self.name, prefix: "")).run(&sink)
                    }
                } else {
                    for kind in enabled { gates.open(kind) }
                }
                for kind in ReflectorKind.allCases where enabled.contains(kind) {
                    group.addTask {
                        await gates.wait(kind)
                        if Task.isCancelled { throw ConnectionFailure.cancelled }
                        let prefix = kind.watchPrefix(remote: self.name, cached: config.cached) + "/"
                        var sink = ReflectorSink(kind: kind, remote: self, config: config, watchPrefix: Array(prefix.utf8))
                        try await self.listWatch(connection, prefix).run(&sink)
                    }
                }
                group.addTask { try await self.enforce(configKey: configKey, value: published) }
                while try await group.next() != nil {}
            }
        } catch let failure as ConnectionFailure {
            throw failure
        } catch {
            throw .cancelled
        }
    }

    /// `clustercfg.Enforce`'s 5-minute controller, plus re-creating written canaries that
    /// disappeared from the store.
    private func enforce(configKey: String, value: [UInt8]) async throws(ConnectionFailure) {
        while true {
            do {
                try await mesh.clock.sleep(for: configuration.enforceInterval)
            } catch {
                throw .cancelled
            }
            if mesh.writer.put(configKey, value) {
                mesh.log(.info, "remote \(name): re-enforced \(configKey)")
            }
            let written = state.withLock { $0.canaries }
            for kind in written.sorted() where mesh.writer.value(kind.localCanary(remote: name)) == nil {
                mesh.writer.put(kind.localCanary(remote: name), mesh.canaryValue())
            }
        }
    }

    /// A reflector finished its initial list on this connection: write its canary the first time.
    func reflectorSynced(_ kind: ReflectorKind) {
        let first = state.withLock { s -> Bool in
            s.synced.insert(kind)
            return s.canaries.insert(kind).inserted
        }
        guard first else { return }
        mesh.writer.put(kind.localCanary(remote: name), mesh.canaryValue())
        mesh.onChange()
    }

    func noteRejection(_ kind: ReflectorKind, _ rejection: EntryRejection, key: String) {
        let firstOfCategory = state.withLock { s -> Bool in
            s.rejected[kind, default: 0] += 1
            return s.loggedRejections.insert("\(kind.rawValue)|\(rejection.category.rawValue)").inserted
        }
        if firstOfCategory {
            mesh.log(.warning, "remote \(name): dropped \(kind.rawValue) entry \(key): \(rejection) (further ones of this kind are counted, not logged)")
        }
    }

    func adjustEntries(_ kind: ReflectorKind, by delta: Int) {
        guard delta != 0 else { return }
        state.withLock { $0.entries[kind, default: 0] = max(0, $0.entries[kind, default: 0] + delta) }
    }

    func setEntries(_ kind: ReflectorKind, _ n: Int) {
        state.withLock { $0.entries[kind] = n }
    }

    func entries(_ kind: ReflectorKind) -> Int { state.withLock { $0.entries[kind, default: 0] } }
}
