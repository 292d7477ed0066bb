import Mesh
import Synchronization

/// One remote cluster, as Cilium's KVStoreMesh handles it (`pkg/clustermesh/kvstoremesh/
/// remote_cluster.go` over `pkg/clustermesh/common/remote_cluster.go`): a connection loop that
/// (re)connects with backoff, and per connection the heartbeat list-watch, the cluster config,
/// and the reflectors copying the remote's state into `cilium/cache/...` of the local store.
///
/// Runs independently of every other remote: its own task, retries and bounded writes.
final class RemoteCluster: Sendable {
    let name: String
    let mesh: MeshContext
    /// Config generations: `changes.open(n)` once generation `n` exists.
    let changes = AsyncFlags<Int>()
    /// Guards everything the status reports and the loop's handles. Lock order: taken after
    /// `KVStoreMesh.state`, never while awaiting or calling into the store.
    let state: Mutex<RemoteClusterState>

    init(file: RemoteConfigFile, mesh: MeshContext) {
        self.name = file.name
        self.mesh = mesh
        self.state = Mutex(RemoteClusterState(file: file, createdAt: mesh.clock.now))
    }

    var configuration: KVStoreMeshConfiguration { mesh.configuration }

    // MARK: Lifecycle

    func start() {
        let task = Task { await self.run() }
        state.withLock { $0.runTask = task }
    }

    /// A changed file (new certificates or endpoints): reconnect this remote only.
    func update(file: RemoteConfigFile) {
        let generation = state.withLock { s -> Int? in
            guard s.file.sha256 != file.sha256 else { return nil }
            s.file = file
            s.generation += 1
            return s.generation
        }
        if let generation {
            mesh.log(.info, "remote \(name): configuration changed (sha256 \(file.sha256.prefix(12))): reconnecting")
            changes.open(generation)
        }
    }

    /// Stops the connection loop and waits for it; cached data stays (drained by the caller).
    func stop() async {
        let (task, ttl) = state.withLock { s -> (Task<Void, Never>?, Task<Void, Never>?) in
            s.stopped = true
            return (s.runTask, s.ttlTask)
        }
        task?.cancel()
        ttl?.cancel()
        await closeClient()
        await task?.value
        await ttl?.value
        mesh.ids.release(name)
    }

    func closeClient() async {
        let client = state.withLock { s -> (any RemoteClient)? in
            defer { s.client = nil }
            return s.client
        }
        guard let client else { return }
        // A client whose close never returns must not hold the loop (or `stop`) forever.
        _ = try? await Deadline.run(clock: mesh.clock, seconds: 5) { () async throws(RemoteClientError) in await client.close() }
    }

    // MARK: Connection loop

    enum Outcome: Sendable {
        case changed
        case ended(ConnectionFailure, wasReady: Bool)
    }

    private func run() async {
        var backoff = Backoff(minimum: configuration.reconnectMinimum, maximum: configuration.reconnectMaximum)
        while !Task.isCancelled {
            let (file, generation) = state.withLock { ($0.file, $0.generation) }
            let outcome = await withTaskGroup(of: Outcome.self) { group -> Outcome in
                group.addTask { await self.connectAndRun(file) }
                group.addTask {
                    await self.changes.wait(generation + 1)
                    return .changed
                }
                let first = await group.next() ?? .changed
                group.cancelAll()
                // A client that ignores cancellation still ends its calls on close.
                await self.closeClient()
                while await group.next() != nil {}
                return first
            }
            markDisconnected()
            if Task.isCancelled { return }
            switch outcome {
            case .changed:
                backoff.reset()
                continue
            case .ended(let failure, let wasReady):
                if case .cancelled = failure { continue }
                recordFailure(failure)
                if wasReady { backoff.reset() }
                let delay = backoff.next(random: configuration.random)
                mesh.log(.warning, "remote \(name): \(failure); retrying in \(Self.seconds(delay))")
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await self.mesh.clock.sleep(for: delay) }
                    group.addTask { await self.changes.wait(generation + 1) }
                    _ = await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    private func connectAndRun(_ file: RemoteConfigFile) async -> Outcome {
        do throws(ConnectionFailure) {
            let client: any RemoteClient
            do throws(RemoteClientError) {
                client = try mesh.factory.makeClient(clusterName: name, configPath: file.path, configContents: file.contents)
            } catch {
                throw .remote(error)
            }
            let stopped = state.withLock { s -> Bool in
                if !s.stopped { s.client = client }
                return s.stopped
            }
            if stopped || Task.isCancelled {
                await client.close()
                throw .cancelled
            }
            let connection = RemoteConnection(
                client: client, latch: ClusterIDLatch(), clock: mesh.clock, requestTimeout: configuration.requestTimeout)
            try await runConnection(connection, endpoints: file.endpointCount)
            return .ended(.cancelled, wasReady: false)
        } catch {
            return .ended(error, wasReady: state.withLock { $0.ready })
        }
    }

    // MARK: State transitions

    func markConnected(etcdClusterID: UInt64?, endpoints: Int) {
        let ttl = state.withLock { s -> Task<Void, Never>? in
            s.connected = true
            s.etcdClusterID = etcdClusterID
            s.endpoints = endpoints
            s.disconnectedAt = nil
            return s.ttlTask
        }
        ttl?.cancel()
        mesh.log(.info, "remote \(name): connection established (etcd cluster ID \(etcdClusterID.map { String($0, radix: 16) } ?? "?"))")
        mesh.onChange()
    }

    private func markDisconnected() {
        let now = mesh.clock.now
        let startTTL = state.withLock { s -> Bool in
            let wasConnected = s.connected
            s.connected = false
            s.etcdClusterID = nil
            s.configRequested = false
            s.remoteConfig = nil
            s.ready = false
            s.synced = []
            s.client = nil
            if wasConnected { s.disconnectedAt = now }
            return wasConnected && !s.stopped && configuration.cacheTTL > 0
        }
        if startTTL { startRevocationTimer(disconnectedAt: now) }
        mesh.onChange()
    }

    private func recordFailure(_ failure: ConnectionFailure) {
        let wall = mesh.clock.wallSeconds
        state.withLock { s in
            s.failures += 1
            s.lastFailure = failure.description
            s.lastFailureWall = wall
        }
    }

    /// `--clustermesh-cache-ttl`: once the remote has been unreachable that long, revoke the
    /// services and service exports caches (`RevokeCache`); nodes, identities, endpoints, the
    /// cluster config and the canaries stay.
    private func startRevocationTimer(disconnectedAt: Double) {
        let ttl = configuration.cacheTTL
        let task = Task {
            do {
                try await self.mesh.clock.sleep(for: ttl)
            } catch {
                return
            }
            let due = self.state.withLock { s in !s.connected && !s.stopped && s.disconnectedAt == disconnectedAt }
            guard due else { return }
            self.mesh.log(.warning, "remote \(self.name): unreachable for \(Self.seconds(ttl)): revoking cached services and service exports")
            for kind in ReflectorKind.allCases where kind.revocable {
                if Task.isCancelled { return }
                _ = await self.mesh.writer.deletePrefix(self.cachePrefix(kind))
                self.state.withLock { $0.entries[kind] = 0 }
            }
            self.state.withLock { $0.revoked = true }
        }
        state.withLock { $0.ttlTask = task }
    }

    func cachePrefix(_ kind: ReflectorKind) -> [UInt8] { Array((kind.cachePrefix(remote: name) + "/").utf8) }

    static func seconds(_ s: Double) -> String {
        s < 1 ? "\(Int((s * 1000).rounded()))ms" : s < 10 ? "\((s * 10).rounded() / 10)s" : "\(Int(s.rounded()))s"
    }
}

/// Everything one remote reports, and the handles of its loop.
struct RemoteClusterState: Sendable {
    var file: RemoteConfigFile
    var createdAt: Double
    var generation = 0
    var runTask: Task<Void, Never>?
    var ttlTask: Task<Void, Never>?
    var client: (any RemoteClient)?
    var stopped = false

    /// Backend established: the heartbeat list of the current connection completed.
    var connected = false
    var etcdClusterID: UInt64?
    var endpoints = 0
    /// The cluster config is being retrieved or was (status `config.required`).
    var configRequested = false
    var remoteConfig: RemoteClusterConfig?
    /// The config was republished and the reflectors registered (upstream `Run` ready).
    var ready = false
    var enabled: Set<ReflectorKind> = []
    /// Initial list done on the current connection.
    var synced: Set<ReflectorKind> = []
    /// Local canary written (once per remote lifetime, as the sync store does).
    var canaries: Set<ReflectorKind> = []
    var entries: [ReflectorKind: Int] = [:]
    var rejected: [ReflectorKind: Int] = [:]
    var loggedRejections: Set<String> = []
    var failures = 0
    var lastFailure: String?
    var lastFailureWall: Double?
    /// When the config was first republished (the ready gate's "connected").
    var firstConnectedAt: Double?
    var disconnectedAt: Double?
    var revoked = false
}
