import EtcdAPI
import Foundation
import Logging
import Mesh
import MVCC
import Prometheus
import Server
import Sockets

/// `/healthz`, `/readyz` (`--health-listen`) and `/metrics` (`--metrics-listen`).
enum Observability {
    static let statePrefixes: [(label: String, prefix: String)] = [
        ("heartbeat", "cilium/.heartbeat"),
        ("cluster-config", "cilium/cluster-config/"),
        ("synced", "cilium/synced/"),
        ("nodes", "cilium/state/nodes/v1/"),
        ("services", "cilium/state/services/v1/"),
        ("identities", "cilium/state/identities/v1/"),
        ("ip", "cilium/state/ip/v1/"),
        ("serviceexports", "cilium/state/serviceexports/v1/"),
    ]

    /// Live keys under a prefix (O(log n) in the store).
    static func count(_ store: KVStore, prefix: String) -> Int64 {
        let key = Array(prefix.utf8)
        var end = key
        end[end.count - 1] += 1
        var options = RangeOptions()
        options.countOnly = true
        return (try? store.range(key: key, end: end, options: options).count) ?? 0
    }

    static func installSamplers(metrics: ServerMetrics, store: KVStore, servers: [APIServer],
                                runner: MirrorRunner, clusterName: String, started: Date) {
        let victims = metrics.registry.counter("clustermesh_apiserver_slow_watchers_set_aside_total",
            help: "Watchers set aside because their client could not keep up (caught up later from history).")
        let lastVictims = Mutex(0)
        let bootstrapRecorded = Mutex(false)
        let seenPrincipals = Mutex(Set<String>())
        metrics.addSampler { r in
            r.gauge("clustermesh_apiserver_revision", help: "Current store revision.")
                .set(Double(store.currentRevision))
            r.gauge("clustermesh_apiserver_keys_total", help: "Live keys in the store.")
                .set(Double(store.keyCount))
            for (label, prefix) in statePrefixes {
                r.gauge("clustermesh_apiserver_keys", labels: [("prefix", label)],
                            help: "Live keys per Cilium prefix.").set(Double(count(store, prefix: prefix)))
            }
            let w = store.watchStatistics
            r.gauge("clustermesh_apiserver_watch_streams", help: "Open watch streams.").set(Double(w.streams))
            r.gauge("clustermesh_apiserver_watchers", help: "Registered watchers.").set(Double(w.watchers))
            r.gauge("clustermesh_apiserver_watchers_unsynced", help: "Watchers being caught up from history.")
                .set(Double(w.unsynced))
            let delta = lastVictims.withLock { last -> Int in
                let d = w.victimsTotal - last
                last = w.victimsTotal
                return d
            }
            if delta > 0 { victims.increment(by: Int64(delta)) }
            var byPrincipal: [String: Int] = [:]
            var total = 0
            for s in servers {
                total += s.connectionCount
                for (p, n) in s.connectionsByPrincipal { byPrincipal[p, default: 0] += n }
            }
            r.gauge("clustermesh_apiserver_connections", help: "Open client connections.").set(Double(total))
            let known = seenPrincipals.withLock { seen -> Set<String> in
                seen.formUnion(byPrincipal.keys)
                return seen
            }
            for p in known {
                r.gauge("clustermesh_apiserver_connections_by_principal", labels: [("principal", p)],
                            help: "Open connections per principal (certificate CN, or anonymous).")
                    .set(Double(byPrincipal[p] ?? 0))
            }
            if let mirror = runner.mirror {
                let status = mirror.status
                for resource in MeshResource.allCases {
                    let scope = resource.prefix.split(separator: "/").dropFirst(2).joined(separator: "/")
                    r.gauge("cilium_clustermesh_apiserver_kvstore_initial_sync_completed",
                                labels: [("scope", scope), ("source_cluster", clusterName), ("action", "write")],
                                help: "Whether the initial synchronization of a prefix completed (canary written).")
                        .set(status.canaries.contains(resource) ? 1.0 : 0.0)
                }
                r.gauge("clustermesh_apiserver_mirror_ready", help: "1 once every enabled resource wrote its canary.")
                    .set(status.isReady ? 1.0 : 0.0)
                r.gauge("clustermesh_apiserver_mirror_rejected_objects_total",
                            help: "Kubernetes objects the converters rejected (logged with a reason).")
                    .set(Double(status.totalRejections))
                if let readyAt = runner.readyAt {
                    let first = bootstrapRecorded.withLock { done -> Bool in
                        defer { done = true }
                        return !done
                    }
                    if first {
                        r.gauge("cilium_clustermesh_apiserver_bootstrap_seconds",
                                    labels: [("source_cluster", clusterName)],
                                    help: "Time from start until every prefix was synchronized.")
                            .set(readyAt.timeIntervalSince(started))
                    }
                }
            }
        }
    }

    static func startEndpoints(health: String?, metricsAddress: String?, metrics: ServerMetrics,
                               runner: MirrorRunner, logger: Logger,
                               alsoReady: @escaping @Sendable () -> Bool = { true }) -> [HTTPEndpointServer] {
        var out: [HTTPEndpointServer] = []
        func start(_ address: String, _ what: String, _ handler: @escaping HTTPEndpointServer.Handler) {
            do {
                let s = try HTTPEndpointServer(address: SocketAddress(address), handler: handler)
                s.start()
                out.append(s)
                logger.info("serving \(what)", metadata: ["address": "\(s.address)"])
            } catch {
                // Not fatal: several servers may share a host in tests; probes will show it.
                logger.error("cannot serve \(what)", metadata: ["address": "\(address)", "error": "\(error)"])
            }
        }
        if let health, !health.isEmpty {
            start(health, "health (/healthz, /readyz)") { _, path in
                switch path {
                case "/healthz", "/livez": return .init(status: 200, body: Array("ok\n".utf8))
                case "/readyz":
                    return runner.isReady && alsoReady() ? .init(status: 200, body: Array("Ready".utf8))
                        : .init(status: 500, body: Array("NotReady".utf8))
                default: return .init(status: 404, body: Array("Not Found\n".utf8))
                }
            }
        }
        if let metricsAddress, !metricsAddress.isEmpty {
            start(metricsAddress, "metrics (/metrics)") { _, path in
                guard path == "/metrics" else { return .init(status: 404, body: Array("Not Found\n".utf8)) }
                return .init(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
            }
        }
        return out
    }
}

import Synchronization
