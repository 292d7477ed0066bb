import Mesh

/// Adds, updates and removes remotes one change at a time.
actor MeshLifecycle {
    let context: MeshContext
    let registry: RemoteRegistry
    let gate: ReadyGate
    private var remotes: [String: RemoteCluster] = [:]
    private var drains: [String: Task<Void, Never>] = [:]
    private var poller: Task<Void, Never>?
    private var loggedIgnored: [String: String] = [:]
    private var started = false

    init(context: MeshContext, registry: RemoteRegistry, gate: ReadyGate) {
        self.context = context
        self.registry = registry
        self.gate = gate
    }

    func start(files: [String: RemoteConfigFile], directory: String?) async {
        guard !started else { return }
        started = true
        await reconcile(files)
        gate.start(members: Set(files.keys))
        let c = context.configuration
        // Wake the gate when its timeouts pass (it is also evaluated on every remote change).
        Task { [gate, clock = context.clock] in
            for delay in [c.perClusterReadyTimeout, c.globalReadyTimeout].sorted() {
                guard let start = gate.startedAt else { return }
                do { try await clock.sleep(until: start + delay) } catch { return }
                if gate.evaluate() { return }
            }
        }
        if let directory {
            poller = Task { [context] in
                while !Task.isCancelled {
                    do { try await context.clock.sleep(for: c.configPollInterval) } catch { return }
                    let scan = ConfigDirectory.scan(directory, localCluster: c.clusterName, maxFileBytes: c.maxConfigFileBytes)
                    if let error = scan.error {
                        context.log(.warning, "clustermesh config: \(error); keeping the current remotes")
                        continue
                    }
                    self.noteIgnored(scan)
                    await self.reconcile(scan.files)
                }
            }
        }
    }

    func noteIgnored(_ scan: ConfigScan) {
        for (name, reason) in scan.ignored.sorted(by: { $0.key < $1.key }) where loggedIgnored[name] != reason {
            context.log(.info, "clustermesh config: ignoring \(name): \(reason)")
        }
        loggedIgnored = scan.ignored
    }

    func reconcile(_ files: [String: RemoteConfigFile]) async {
        for name in files.keys.sorted() {
            guard let file = files[name] else { continue }
            if let remote = remotes[name] {
                remote.update(file: file)
                continue
            }
            if let drain = drains.removeValue(forKey: name) {
                // Back during the drain delay: keep the cache; the new connection's relists
                // delete whatever is stale.
                drain.cancel()
                await drain.value
                context.log(.info, "remote \(name): configuration is back: pending drain canceled")
            }
            let remote = RemoteCluster(file: file, mesh: context)
            remotes[name] = remote
            registry.set(name, remote)
            context.log(.info, "remote \(name): configuration added (\(file.path), sha256 \(file.sha256.prefix(12)))")
            remote.start()
        }
        for name in remotes.keys.sorted() where files[name] == nil {
            await remove(name)
        }
        context.onChange()
    }

    /// Disconnection (`onRemove` → `drain`): delete `cilium/cluster-config/<R>` first so that no
    /// agent starts reading, wait the drain delay, then delete `cilium/synced/<R>/` and each
    /// cache prefix, reflectors sorted by name.
    private func remove(_ name: String) async {
        guard let remote = remotes.removeValue(forKey: name) else { return }
        registry.set(name, nil)
        await remote.stop()
        let writer = context.writer
        writer.delete(KeyPaths.clusterConfig(cluster: name))
        let delay = context.configuration.drainDelay
        context.log(.info, "remote \(name): configuration removed: cluster config deleted, cached data drained in \(RemoteCluster.seconds(delay))")
        drains[name] = Task { [context] in
            do { try await context.clock.sleep(for: delay) } catch { return }
            var deleted = await writer.deletePrefix(Array((KeyPaths.synced(cluster: name, prefix: "")).utf8))
            for kind in ReflectorKind.allCases.sorted() {
                if Task.isCancelled { return }
                deleted += await writer.deletePrefix(Array((kind.cachePrefix(remote: name) + "/").utf8))
            }
            context.log(.info, "remote \(name): drained \(deleted) cached keys")
            self.drainFinished(name)
        }
    }

    private func drainFinished(_ name: String) {
        drains.removeValue(forKey: name)
    }

    func pendingDrainNames() -> [String] { drains.keys.sorted() }

    func stop() async {
        poller?.cancel()
        poller = nil
        for name in remotes.keys.sorted() {
            await remotes[name]?.stop()
        }
        for (_, drain) in drains { drain.cancel() }
        remotes = [:]
    }
}
