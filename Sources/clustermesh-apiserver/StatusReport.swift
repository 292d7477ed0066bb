import Foundation
import Mesh
import MVCC
import Server

/// The JSON behind `GET /clustermesh/v1/status` and `clustermesh-apiserver status`.
struct StatusReport: Codable {
    struct Cluster: Codable {
        var name: String
        var id: UInt32
    }

    struct Connections: Codable {
        var total: Int
        var byPrincipal: [String: Int]
    }

    struct Watch: Codable {
        var streams: Int
        var watchers: Int
        var unsynced: Int
        var slowWatchersSetAside: Int
    }

    /// A remote cluster cached by the KVStoreMesh role.
    struct Remote: Codable {
        var name: String
        var connected: Bool
        var ready: Bool
        var clusterID: UInt32?
        var configSHA256: String
        /// Cached keys per reflector (endpoints, identities, nodes, service exports, services).
        var keys: [String: Int]
        var synced: [String]
        var rejected: Int
        var failures: Int
        var lastFailure: String?
        var lastFailureTime: String?
    }

    var cluster: Cluster
    var source: String
    var ready: Bool
    var revision: Int64
    var keys: [String: Int64]
    var connections: Connections
    var watch: Watch
    /// Present when the KVStoreMesh role runs (`--clustermesh-config`).
    var remoteClusters: [Remote]?

    static func make(clusterName: String, clusterID: UInt32, source: String, store: KVStore,
                     servers: [APIServer], runner: MirrorRunner, kvstoremesh: KVStoreMeshRunner? = nil) -> StatusReport {
        var keys: [String: Int64] = [:]
        for (label, prefix) in Observability.statePrefixes {
            keys[label] = Observability.count(store, prefix: prefix)
        }
        var byPrincipal: [String: Int] = [:]
        var total = 0
        for s in servers {
            total += s.connectionCount
            for (p, n) in s.connectionsByPrincipal { byPrincipal[p, default: 0] += n }
        }
        let w = store.watchStatistics
        return StatusReport(
            cluster: Cluster(name: clusterName, id: clusterID), source: source,
            ready: runner.isReady && (kvstoremesh?.isReady ?? true),
            revision: store.currentRevision, keys: keys,
            connections: Connections(total: total, byPrincipal: byPrincipal),
            watch: Watch(streams: w.streams, watchers: w.watchers, unsynced: w.unsynced, slowWatchersSetAside: w.victimsTotal),
            remoteClusters: kvstoremesh?.report)
    }

    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }

    /// Human-readable lines for `status`.
    func text(endpoint: String) -> String {
        var lines = [
            "Endpoint:     \(endpoint)",
            "Cluster:      \(cluster.name) (id \(cluster.id))",
            "Source:       \(source)",
            "Ready:        \(ready ? "yes" : "no (initial synchronization in progress)")",
            "Revision:     \(revision)",
            "Keys:",
        ]
        for (label, _) in Observability.statePrefixes {
            lines.append("  \(label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(keys[label] ?? 0)")
        }
        lines.append("Connections:  \(connections.total)")
        for (p, n) in connections.byPrincipal.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(p.padding(toLength: 24, withPad: " ", startingAt: 0)) \(n)")
        }
        lines.append("Watch:        \(watch.streams) streams, \(watch.watchers) watchers (\(watch.unsynced) catching up, \(watch.slowWatchersSetAside) set aside since start)")
        if let remotes = remoteClusters {
            lines.append("KVStoreMesh:  \(remotes.filter(\.ready).count)/\(remotes.count) remote clusters ready")
            for r in remotes {
                let state = r.ready ? "ready" : r.connected ? "connected, not ready" : "not connected"
                let keys = ["nodes", "endpoints", "identities", "services", "service exports"].map { "\($0)=\(r.keys[$0] ?? 0)" }
                lines.append("  \(r.name): \(state), cluster ID \(r.clusterID.map(String.init) ?? "?"), config sha256 \(r.configSHA256.prefix(12))")
                lines.append("    keys: \(keys.joined(separator: ", ")); dropped \(r.rejected); synced: \(r.synced.joined(separator: ", "))")
                if let failure = r.lastFailure {
                    lines.append("    \(r.failures) failures, last at \(r.lastFailureTime ?? "?"): \(failure)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
