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
