import Synchronization

/// KVStoreMesh readiness (`kvstoremesh.go` `synced`, reference/cilium-1.19-plus.md §A.3): every
/// remote known at start must have synced every reflector (canary written; disabled ones count);
/// a remote that has not connected within `perClusterReadyTimeout` of its creation is dropped
/// from the gate, a removed one too; after `globalReadyTimeout` the gate opens regardless.
/// Once open it stays open.
final class ReadyGate: Sendable {
    struct State {
        var members: Set<String> = []
        var startedAt: Double?
        var readyAt: Double?
    }

    private let registry: RemoteRegistry
    private let configuration: KVStoreMeshConfiguration
    private let clock: any MeshClock
    private let log: KVStoreMeshLog
    /// Guards the gate; taken alone (remote states are read after it is released).
    private let state = Mutex(State())

    init(registry: RemoteRegistry, configuration: KVStoreMeshConfiguration, clock: any MeshClock, log: @escaping KVStoreMeshLog) {
        self.registry = registry
        self.configuration = configuration
        self.clock = clock
        self.log = log
    }

    func start(members: Set<String>) {
        state.withLock { s in
            s.members = members
            s.startedAt = clock.now
        }
        evaluate()
    }

    var startedAt: Double? { state.withLock { $0.startedAt } }
    var readyAt: Double? { state.withLock { $0.readyAt } }

    /// Re-evaluates; true once open.
    @discardableResult
    func evaluate() -> Bool {
        let (members, startedAt, readyAt) = state.withLock { ($0.members, $0.startedAt, $0.readyAt) }
        if readyAt != nil { return true }
        guard let startedAt else { return false }
        let now = clock.now
        var waiting: [String] = []
        if now - startedAt < configuration.globalReadyTimeout {
            let remotes = registry.all
            for name in members.sorted() {
                guard let remote = remotes[name] else { continue }
                let (createdAt, firstConnected, done) = remote.state.withLock {
                    ($0.createdAt, $0.firstConnectedAt, $0.canaries.count == ReflectorKind.allCases.count)
                }
                if done { continue }
                let deadline = createdAt + configuration.perClusterReadyTimeout
                if now >= deadline && (firstConnected.map { $0 > deadline } ?? true) { continue }
                waiting.append(name)
            }
        } else {
            log(.warning, "failed to wait for synchronization within \(RemoteCluster.seconds(configuration.globalReadyTimeout)): KVStoreMesh now reports ready, but some clusters may not have been synchronized")
        }
        guard waiting.isEmpty else { return false }
        let first = state.withLock { s -> Bool in
            guard s.readyAt == nil else { return false }
            s.readyAt = now
            return true
        }
        if first { log(.info, "KVStoreMesh ready: \(members.count) remote cluster(s) known at start synchronized or timed out") }
        return true
    }
}
