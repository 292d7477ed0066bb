import Dispatch
import Foundation
import Mesh
import MVCC

/// Writes the embedded demo mesh state into the store and keeps its heartbeat fresh.
enum DemoWriter {
    static func load(into store: KVStore, clusterName: String, clusterID: UInt32) {
        let now = Int64(Date().timeIntervalSince1970)
        for entry in DemoData.entries(clusterName: clusterName, clusterID: clusterID, now: now) {
            _ = try? store.put(key: Array(entry.key.utf8), value: entry.value)
        }
    }

    /// `cilium/.heartbeat` every 60 s, as the Cilium apiserver does; peers reconnect when it
    /// is older than two minutes.
    static func startHeartbeat(store: KVStore) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "demo.heartbeat"))
        timer.schedule(deadline: .now() + 60, repeating: 60)
        timer.setEventHandler {
            let now = Int64(Date().timeIntervalSince1970)
            _ = try? store.put(key: Array(KeyPaths.heartbeat.utf8), value: DemoData.heartbeatValue(now: now))
        }
        timer.resume()
        heartbeatTimer = timer
    }

    /// Set once at start-up, before any concurrency; kept alive for the process lifetime.
    nonisolated(unsafe) private static var heartbeatTimer: (any DispatchSourceTimer)?
}
