import Foundation
import KVStoreMesh
import Logging
import MVCC
import Prometheus
import Server
import Sockets
import Synchronization

/// Runs the KVStoreMesh role next to the mirror: follows `--clustermesh-config`, serves
/// `GET /v1/cluster` on `--api-serve-addr`, feeds `/readyz`, `/metrics` and the status report.
final class KVStoreMeshRunner: Sendable {
    let mesh: KVStoreMesh
    let directory: String
    let clusterName: String
    private let api = Mutex<HTTPEndpointServer?>(nil)

    init(directory: String, configuration: KVStoreMeshConfiguration, store: KVStore,
         factory: any RemoteClientFactory = KVStoreMeshOptions.remoteClientFactory()) {
        self.directory = directory
        self.clusterName = configuration.clusterName
        mesh = KVStoreMesh(configuration: configuration, store: store, factory: factory, log: { level, message in
            let mapped: Logger.Level = switch level {
            case .debug: .debug
            case .info: .info
            case .warning: .warning
            case .error: .error
            }
            AppLog.logger.log(level: mapped, "kvstoremesh: \(message)")
        })
    }

    /// Starts following the directory (the initial scan forms the ready gate) and the API.
    func start(apiAddress: String) throws {
        let mesh = self.mesh, directory = self.directory
        Task { await mesh.start(directory: directory) }
        guard !apiAddress.isEmpty else { return }
        let server = try HTTPEndpointServer(address: SocketAddress(apiAddress)) { method, path in
            Self.handle(mesh: mesh, method: method, path: path)
        }
        server.start()
        api.withLock { $0 = server }
        log("serving KVStoreMesh status API (GET /v1/cluster) on \(server.address)")
    }

    /// `api/v1/kvstoremesh/openapi.yaml`: basePath `/v1`, one path.
    static func handle(mesh: KVStoreMesh, method: String, path: String) -> HTTPEndpointServer.Response {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard route == "/v1/cluster" else { return .init(status: 404, body: Array("Not Found\n".utf8)) }
        guard method == "GET" else { return .init(status: 405, body: Array("Method Not Allowed\n".utf8)) }
        return .init(status: 200, contentType: "application/json", body: mesh.statusJSON())
    }

    var isReady: Bool { mesh.isReady }

    func stop() {
        api.withLock { $0?.stop() }
        let mesh = self.mesh
        let done = DispatchSemaphore(value: 0)
        Task {
            await mesh.stop()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
    }

    /// Remotes for `GET /clustermesh/v1/status` and `status`.
    var report: [StatusReport.Remote] {
        mesh.status().map { s in
            StatusReport.Remote(
                name: s.name, connected: s.connected, ready: s.ready, clusterID: s.config?.clusterID,
                configSHA256: s.configSHA256,
                keys: Dictionary(uniqueKeysWithValues: ReflectorKind.allCases.map { ($0.rawValue, s.keys[$0] ?? 0) }),
                synced: ReflectorKind.allCases.filter { s.synced.contains($0) }.map(\.rawValue),
                rejected: s.rejected.values.reduce(0, +), failures: s.failures, lastFailure: s.lastFailure,
                lastFailureTime: s.lastFailureTime.map { KVStoreMeshStatusJSON.dateTime($0) })
        }
    }

    /// Upstream's KVStoreMesh metrics (`pkg/clustermesh/common/metrics.go`,
    /// reference/cilium-1.19-plus.md §A.3) plus cached and dropped entries per remote and kind.
    func installSampler(metrics: ServerMetrics) {
        let mesh = self.mesh, source = clusterName
        let seen = Mutex<[String: [Gauge]]>([:])
        let bootstrapDone = Mutex(false)
        metrics.addSampler { r in
            let status = mesh.status()
            r.gauge("cilium_kvstoremesh_remote_clusters", labels: [("source_cluster", source), ("source_node_name", "")],
                    help: "The total number of remote clusters meshed with the local cluster").set(Double(status.count))
            var current: [String: [Gauge]] = [:]
            for s in status {
                let labels = [("source_cluster", source), ("source_node_name", ""), ("target_cluster", s.name)]
                var gauges = [
                    r.gauge("cilium_kvstoremesh_remote_cluster_failures", labels: labels,
                            help: "The total number of failures related to the remote cluster"),
                    r.gauge("cilium_kvstoremesh_remote_cluster_last_failure_ts", labels: labels,
                            help: "The timestamp of the last failure of the remote cluster"),
                    r.gauge("cilium_kvstoremesh_remote_cluster_readiness_status", labels: labels,
                            help: "The readiness status of the remote cluster"),
                ]
                gauges[0].set(Double(s.failures))
                gauges[1].set(s.lastFailureTime ?? 0)
                gauges[2].set(s.published ? 1.0 : 0.0)
                for kind in ReflectorKind.allCases {
                    let kindLabels = [("target_cluster", s.name), ("kind", kind.rawValue)]
                    let cached = r.gauge("clustermesh_apiserver_kvstoremesh_cached_keys", labels: kindLabels,
                                         help: "Keys cached per remote cluster and kind.")
                    cached.set(Double(s.keys[kind] ?? 0))
                    let dropped = r.gauge("clustermesh_apiserver_kvstoremesh_dropped_entries", labels: kindLabels,
                                          help: "Remote entries dropped by validation or limits, per remote cluster and kind.")
                    dropped.set(Double(s.rejected[kind] ?? 0))
                    gauges += [cached, dropped]
                }
                current[s.name] = gauges
            }
            let gone = seen.withLock { previous -> [Gauge] in
                defer { previous = current }
                return previous.filter { current[$0.key] == nil }.flatMap(\.value)
            }
            for g in gone { r.unregisterGauge(g) }
            if let seconds = mesh.bootstrapSeconds, bootstrapDone.withLock({ done in defer { done = true }; return !done }) {
                r.gauge("cilium_kvstoremesh_bootstrap_seconds", labels: [("source_cluster", source)],
                        help: "Duration in seconds to complete bootstrap").set(seconds)
            }
        }
    }
}
