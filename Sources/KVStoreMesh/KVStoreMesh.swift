import Mesh
import MVCC
import Synchronization

/// The KVStoreMesh role inside the server (reference/cilium-clustermesh.md §1.10, §3.7;
/// reference/cilium-1.19-plus.md §A): one `RemoteCluster` per file of `--clustermesh-config`,
/// each mirroring its remote's nodes, services, service exports, identities and endpoints into
/// `cilium/cache/...` of the local store, for local agents reading as `local-<cluster>`.
///
/// No leases: upstream attaches the kvstore lease so that a dead KVStoreMesh's keys expire;
/// here the store lives and dies with the process, so keys need none.
public final class KVStoreMesh: Sendable {
    public let configuration: KVStoreMeshConfiguration
    let context: MeshContext
    let registry: RemoteRegistry
    let gate: ReadyGate
    let lifecycle: MeshLifecycle

    public init(
        configuration: KVStoreMeshConfiguration, store: KVStore, factory: any RemoteClientFactory,
        clock: any MeshClock = SystemMeshClock(), log: @escaping KVStoreMeshLog = { _, _ in }
    ) {
        self.configuration = configuration
        let registry = RemoteRegistry()
        let gate = ReadyGate(registry: registry, configuration: configuration, clock: clock, log: log)
        let context = MeshContext(
            configuration: configuration, store: store, factory: factory, clock: clock, log: log,
            onChange: { [gate] in gate.evaluate() })
        self.registry = registry
        self.gate = gate
        self.context = context
        self.lifecycle = MeshLifecycle(context: context, registry: registry, gate: gate)
    }

    /// Starts with the remotes of `files` (they form the ready gate) and keeps following `directory`
    /// when given, polling every `configPollInterval`.
    public func start(files: [String: RemoteConfigFile], directory: String? = nil) async {
        await lifecycle.start(files: files, directory: directory)
    }

    /// Scans `directory` and starts with what it holds, then follows it.
    public func start(directory: String) async {
        let scan = ConfigDirectory.scan(directory, localCluster: configuration.clusterName, maxFileBytes: configuration.maxConfigFileBytes)
        if let error = scan.error { context.log(.error, "clustermesh config: \(error)") }
        await lifecycle.noteIgnored(scan)
        await start(files: scan.files, directory: directory)
    }

    /// Applies a new set of configuration files: new ones connect, changed ones reconnect,
    /// missing ones are removed (cluster config deleted at once, the rest after the drain delay).
    public func reconcile(_ files: [String: RemoteConfigFile]) async {
        await lifecycle.reconcile(files)
    }

    /// Stops every remote without draining (as upstream's stop hook: a restart must not empty
    /// the agents' view).
    public func stop() async {
        await lifecycle.stop()
    }

    /// The ready gate is open.
    public var isReady: Bool { gate.evaluate() }

    /// Seconds from `start` until the gate opened (`bootstrap_seconds`), nil while closed.
    public var bootstrapSeconds: Double? {
        guard let ready = gate.readyAt, let started = gate.startedAt else { return nil }
        return ready - started
    }

    /// Remotes sorted by name.
    public func status() -> [RemoteClusterStatus] {
        registry.all.values.map(\.status).sorted { $0.name < $1.name }
    }

    /// `GET /v1/cluster` body.
    public func statusJSON() -> [UInt8] { KVStoreMeshStatusJSON.encode(status()) }

    /// Removals whose drain is still pending.
    public func pendingDrains() async -> [String] { await lifecycle.pendingDrainNames() }
}

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
