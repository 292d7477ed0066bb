import ArgumentParser
import Dispatch
import EtcdAPI
import Foundation
import KVStoreMesh
import Logging
import Mesh
import MeshSources
import MVCC
import Server
import Sockets
import Synchronization
import TLS

extension ServiceV2Mode: ExpressibleByArgument {}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the etcd v3 API (the default).")

    enum DataSet: String, ExpressibleByArgument, CaseIterable {
        case demo, empty
    }

    enum Access: String, ExpressibleByArgument, CaseIterable {
        case read, readwrite
    }

    @Option(help: "Address to serve the etcd API on (HOST:PORT; [::1]:PORT for IPv6).")
    var listen = "127.0.0.1:2379"

    @Option(help: ArgumentHelp("Where the mesh state comes from: kubernetes, file:PATH, synthetic:nodes=N,endpoints=N,identities=N,services=N,churn=N, demo (embedded example) or empty (nothing; write through the API).", valueName: "source"))
    var source: String?

    @Option(help: ArgumentHelp("Deprecated alias: --data demo|empty is --source demo|empty.", visibility: .hidden))
    var data: DataSet?

    @Option(name: .customLong("kubeconfig"), help: "Kubeconfig file for --source kubernetes (default: in-cluster service account).")
    var kubeconfig: String?

    @Option(name: .customLong("max-connected-clusters"), help: "255 or 511: sizes the cluster's identity range.")
    var maxConnectedClusters: UInt32 = 255

    @Flag(name: .customLong("enable-cilium-endpoint-slice"), help: "Read endpoint IPs from CiliumEndpointSlices instead of CiliumEndpoints.")
    var enableCiliumEndpointSlice = false

    @Flag(name: .customLong("enable-mcs-api"), help: "Publish MCS-API ServiceExports.")
    var enableMCSAPI = false

    @Option(name: .customLong("clustermesh-service-v2"), help: "ClusterMesh service v2 rollout mode: prefer-legacy, prefer-endpointslice, or only-endpointslice (only-endpointslice stops exporting services/v1).")
    var serviceV2Mode: ServiceV2Mode = .preferLegacy

    @Option(name: .customLong("clustermesh-default-global-namespace"), help: "Mark all namespaces as global by default unless overridden by the clustermesh.cilium.io/global annotation (true or false).")
    var defaultGlobalNamespace = true

    @Option(name: .customLong("anonymous-access"), help: "What plaintext (unauthenticated) clients may do: read or readwrite.")
    var anonymousAccess: Access = .read

    @Option(name: .customLong("cluster-name"), help: "Name of the local cluster (Cilium rules: ≤ 32 chars, lowercase alphanumerics and '-').")
    var clusterName = "cluster1"

    @Option(name: .customLong("cluster-id"), help: "ID of the local cluster (1–255).")
    var clusterID: UInt32 = 1

    @Option(name: .customLong("initial-revision"), help: "First store revision (default: derived from the wall clock, so revisions never go back across restarts). Use 1 to start like a fresh etcd.")
    var initialRevision: Int64?

    @Option(name: .customLong("tls-cert"), help: "Server certificate (PEM). With --tls-key, the listener speaks TLS only.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "Server private key (PEM).")
    var tlsKey: String?

    @Option(name: .customLong("tls-client-ca"), help: "CA bundle (PEM) for client certificates; when set, a client certificate is required and its CN is the user.")
    var tlsClientCA: String?

    @Option(name: .customLong("users-file"), help: "Cilium clustermesh-remote-users file (users: [{name, role}]), reloaded on change.")
    var usersFile: String?

    @Option(name: .customLong("plaintext-listen"), help: "An additional plaintext listener (HOST:PORT), e.g. loopback for local tools, when --listen uses TLS.")
    var plaintextListen: String?

    @Option(name: .customLong("health-listen"), help: "Address of /healthz and /readyz (empty: off).")
    var healthListen = ":9880"

    @Option(name: .customLong("metrics-listen"), help: "Address of the Prometheus /metrics endpoint (empty: off).")
    var metricsListen = ":9962"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(name: .customLong("shutdown-timeout"), help: "Seconds to let connections drain after SIGTERM/SIGINT.")
    var shutdownTimeout: Double = 5

    @Option(name: .customLong("history-revisions"), help: "Revisions of history kept for watch replay and historical reads.")
    var historyRevisions: Int64 = 100_000

    @Option(name: .customLong("history-max-age"), help: "Seconds of history kept (like etcd's --auto-compaction-retention=1, one hour, as Cilium deploys it).")
    var historyMaxAge: Double = 3600

    @OptionGroup(title: "KVStoreMesh")
    var kvstoremesh: KVStoreMeshOptions

    var sourceSpec: MeshSourceSpec {
        get throws {
            if let source { return try MeshSourceSpec(parsing: source) }
            if let data { return data == .demo ? .demo : .empty }
            return .default
        }
    }

    func validate() throws {
        try ClusterName.validate(clusterName, clusterID: clusterID, maxConnectedClusters: maxConnectedClusters)
        if source != nil && data != nil { throw ValidationError("use --source (--data is its old name), not both") }
        do {
            _ = try sourceSpec
        } catch {
            throw ValidationError("--source: \(error)")
        }
        if let r = initialRevision, r < 1 { throw ValidationError("--initial-revision must be at least 1") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if tlsClientCA != nil && tlsCert == nil { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
        if usersFile != nil && tlsClientCA == nil { throw ValidationError("--users-file needs --tls-client-ca") }
        if let dir = kvstoremesh.clustermeshConfig, !FileManager.default.fileExists(atPath: dir) {
            throw ValidationError("--clustermesh-config \(dir): no such directory")
        }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let started = Date()
        var storeConfig = KVStoreConfiguration()
        storeConfig.initialRevision = initialRevision ?? Self.wallClockRevision()
        storeConfig.historyMaxRevisions = historyRevisions
        storeConfig.historyMaxAgeSeconds = historyMaxAge
        let store = KVStore(configuration: storeConfig)
        let scheme = tlsCert == nil ? "http" : "https"
        // No raft peers here; the peer URL names the conventional etcd peer port on the same
        // host so tools that expect one (etcdctl member list, gateway clients) find it.
        let host = (try? SocketAddress(listen))?.host ?? "127.0.0.1"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let identity = ServerIdentity(clientURLs: ["\(scheme)://\(listen)"],
                                      peerURLs: ["\(scheme)://\(hostPart):2380"])
        let users = tlsClientCA == nil ? nil : UserDirectory(clusterName: clusterName)
        let policy = AccessPolicy(anonymousAccess: anonymousAccess == .readwrite ? .readWrite : .read, users: users)
        let api = EtcdServer(store: store, identity: identity, policy: policy)

        let spec = try sourceSpec
        let mirrorConfig = MeshMirrorConfiguration(
            cluster: MeshClusterInfo(name: clusterName, id: clusterID, maxConnectedClusters: maxConnectedClusters),
            enableCiliumEndpointSlice: enableCiliumEndpointSlice, enableMCSAPI: enableMCSAPI,
            serviceV2Mode: serviceV2Mode, defaultGlobalNamespace: defaultGlobalNamespace,
            // Kubernetes: every object's Namespace exists; wait for it as upstream does.
            requireNamespaceObjects: spec == .kubernetes)
        let runner = try MirrorRunner(spec: spec, configuration: mirrorConfig, store: store) { mirror in
            try KubernetesSourceFactory.make(kubeconfig: kubeconfig, mirror: mirror)
        }
        do {
            try runner.start()
        } catch {
            throw ValidationError("source \(spec): \(error)")
        }
        let meshRunner = kvstoremesh.clustermeshConfig.map { dir in
            KVStoreMeshRunner(directory: dir, configuration: kvstoremesh.configuration(
                clusterName: clusterName, clusterID: clusterID, maxConnectedClusters: maxConnectedClusters), store: store)
        }
        do {
            try meshRunner?.start(apiAddress: kvstoremesh.apiServeAddr)
        } catch {
            throw ValidationError("cannot serve the KVStoreMesh API on \(kvstoremesh.apiServeAddr): \(error)")
        }

        var tls: TLSServerContext?
        if let tlsCert, let tlsKey {
            do {
                tls = try TLSServerContext(TLSServerConfiguration(
                    certificatePath: tlsCert, privateKeyPath: tlsKey, clientCAPath: tlsClientCA))
            } catch {
                throw ValidationError("TLS configuration: \(error)")
            }
        }
        if let users, let usersFile {
            var file = UsersFile(path: usersFile)
            do {
                if let names = try file.reloadIfChanged(into: users) { log("users file loaded: \(names)") }
            } catch {
                throw ValidationError("users file \(usersFile): \(error)")
            }
            Reloader.every(seconds: 2) {
                do {
                    if let names = try file.reloadIfChanged(into: users) { log("users file reloaded: \(names)") }
                } catch {
                    log("users file \(usersFile) not reloaded: \(error)")
                }
            }
        }
        if let tls {
            Reloader.every(seconds: 2) {
                do {
                    if try tls.reloadIfChanged() { log("TLS certificate, key or client CA reloaded") }
                } catch {
                    log("TLS files not reloaded (keeping the previous ones): \(error)")
                }
            }
        }

        let metrics = ServerMetrics()
        // The status endpoint needs the servers it reports on: filled in once they exist.
        let statusServers = Mutex<[APIServer]>([])
        var serverConfig = ServerConfiguration()
        let (name, id, sourceText) = (clusterName, clusterID, spec.description)
        serverConfig.statusJSON = {
            StatusReport.make(clusterName: name, clusterID: id, source: sourceText, store: store,
                              servers: statusServers.withLock { $0 }, runner: runner, kvstoremesh: meshRunner).json()
        }
        let server = APIServer(api: api, configuration: serverConfig, tls: tls, metrics: metrics, logger: AppLog.logger)
        let address: SocketAddress
        do {
            address = try server.start(listen: SocketAddress(listen))
        } catch {
            throw ValidationError("cannot listen on \(listen): \(error)")
        }
        var servers = [server]
        log("serving etcd v3 API on \(address)\(tls == nil ? "" : tlsClientCA == nil ? " (TLS)" : " (mTLS)") (cluster \(clusterName), id \(clusterID), revision \(store.currentRevision), source \(spec), anonymous access \(anonymousAccess.rawValue))")
        if let plaintextListen {
            let plain = APIServer(api: api, configuration: serverConfig, metrics: metrics, logger: AppLog.logger)
            do {
                let a = try plain.start(listen: SocketAddress(plaintextListen))
                log("serving etcd v3 API on \(a) (plaintext)")
            } catch {
                throw ValidationError("cannot listen on \(plaintextListen): \(error)")
            }
            servers.append(plain)
        }
        let all = servers
        statusServers.withLock { $0 = all }
        Observability.installSamplers(metrics: metrics, store: store, servers: all, runner: runner,
                                      clusterName: clusterName, started: started)
        meshRunner?.installSampler(metrics: metrics)
        let endpoints = Observability.startEndpoints(
            health: healthListen, metricsAddress: metricsListen, metrics: metrics, runner: runner, logger: AppLog.logger,
            alsoReady: { meshRunner?.isReady ?? true })
        let timeout = shutdownTimeout

        let signalQueue = DispatchQueue(label: "signals")
        let signals = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: signalQueue)
            s.setEventHandler {
                log("signal \(sig): shutting down (draining connections for up to \(timeout) s)")
                DispatchQueue.global().async {
                    all.forEach { $0.shutdown(timeout: timeout) }
                    meshRunner?.stop()
                    runner.stop()
                    endpoints.forEach { $0.stop() }
                    log("shutdown complete")
                    Foundation.exit(0)
                }
            }
            s.resume()
            return s
        }
        // Park the main thread (the process ends in exit(0) above). Not dispatchMain(): it
        // pthread_exit()s the main thread, whose stack libdispatch's signal handler then reuses
        // while AddressSanitizer still marks it as the dead frames' redzones.
        let parked = DispatchSemaphore(value: 0)
        withExtendedLifetime((signals, endpoints)) { parked.wait() }
    }

    /// Microseconds since the Unix epoch: grows faster than any realistic write rate, so a new
    /// incarnation always starts above every revision a client saw from the previous one.
    static func wallClockRevision() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}

enum AppLog {
    /// Created after `LoggingSystem.bootstrap` (first use is in `run`).
    static let logger = Logger(label: "clustermesh-apiserver")
}

func log(_ message: String, level: Logger.Level = .info) {
    AppLog.logger.log(level: level, "\(message)")
}

/// Runs periodic file checks (certificate rotation, users file) on a private queue.
enum Reloader {
    nonisolated(unsafe) private static var timers: [any DispatchSourceTimer] = []
    private static let queue = DispatchQueue(label: "reloader")

    /// Called during start-up only (before concurrency begins), so `timers` needs no lock.
    static func every(seconds: Int, _ work: @escaping () -> Void) {
        nonisolated(unsafe) let work = work
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        t.setEventHandler { work() }
        t.resume()
        timers.append(t)
    }
}
