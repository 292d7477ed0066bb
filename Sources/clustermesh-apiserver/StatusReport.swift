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

    var cluster: Cluster
    var source: String
    var ready: Bool
    var revision: Int64
    var keys: [String: Int64]
    var connections: Connections
    var watch: Watch

    static func make(clusterName: String, clusterID: UInt32, source: String, store: KVStore,
                     servers: [APIServer], runner: MirrorRunner) -> StatusReport {
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
            cluster: Cluster(name: clusterName, id: clusterID), source: source, ready: runner.isReady,
            revision: store.currentRevision, keys: keys,
            connections: Connections(total: total, byPrincipal: byPrincipal),
            watch: Watch(streams: w.streams, watchers: w.watchers, unsynced: w.unsynced, slowWatchersSetAside: w.victimsTotal))
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
        return lines.joined(separator: "\n")
    }
}
