import Mesh
import Synchronization

extension RemoteCluster {
    /// One connection: heartbeat list-watch (established once its first list completes),
    /// heartbeat watchdog, then the session (cluster config, reflectors). Returns only by throwing.
    func runConnection(_ connection: RemoteConnection, endpoints: Int) async throws(ConnectionFailure) {
        let tracker = HeartbeatTracker(now: mesh.clock.now)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do throws(ConnectionFailure) {
                        var sink = HeartbeatSink(tracker: tracker, clock: self.mesh.clock)
                        try await self.listWatch(connection, KeyPaths.heartbeat).run(&sink)
                    } catch {
                        tracker.established.resolve(.failed)
                        throw error
                    }
                }
                let timer = Task {
                    do {
                        try await self.mesh.clock.sleep(for: self.configuration.connectTimeout)
                        tracker.established.resolve(.timedOut)
                    } catch {}
                }
                let outcome = await tracker.established.value()
                timer.cancel()
                switch outcome {
                case .established: break
                case .failed:
                    try await group.next()  // rethrows the heartbeat task's error
                    return
                case .timedOut:
                    throw ConnectionFailure.remote(.unavailable("no heartbeat list within \(RemoteCluster.seconds(self.configuration.connectTimeout))"))
                }
                tracker.touch(self.mesh.clock.now)
                self.markConnected(etcdClusterID: connection.latch.value, endpoints: endpoints)
                group.addTask { try await self.watchdog(tracker) }
                group.addTask { try await self.runSession(connection) }
                while try await group.next() != nil {}
            }
        } catch let failure as ConnectionFailure {
            throw failure
        } catch {
            throw .cancelled
        }
    }

    func listWatch(_ connection: RemoteConnection, _ prefix: String) -> ListWatch {
        let name = self.name, log = mesh.log
        return ListWatch(connection: connection, prefix: Array(prefix.utf8), configuration: configuration) { message in
            log(.info, "remote \(name): \(message)")
        }
    }

    /// Cilium's status checker for clustermesh clients: only the heartbeat's age counts.
    private func watchdog(_ tracker: HeartbeatTracker) async throws(ConnectionFailure) {
        let timeout = configuration.heartbeatTimeout
        let clock = mesh.clock
        do {
            guard timeout > 0 else {
                while true { try await clock.sleep(for: 86_400) }
            }
            while true {
                try await clock.sleep(for: min(configuration.heartbeatCheckInterval, timeout))
                let age = clock.now - tracker.last
                if age > timeout { throw ConnectionFailure.heartbeatStale(age) }
            }
        } catch let failure as ConnectionFailure {
            throw failure
        } catch {
            throw .cancelled
        }
    }

    /// `getClusterConfig`: a single-key Range retried (backoff up to `clusterConfigRetryMaximum`)
    /// for `clusterConfigTimeout`, after which the connection is restarted.
    func fetchClusterConfig(_ connection: RemoteConnection) async throws(ConnectionFailure) -> RemoteClusterConfig {
        state.withLock { $0.configRequested = true }
        let clock = mesh.clock
        let deadline = clock.now + configuration.clusterConfigTimeout
        var backoff = Backoff(minimum: min(1, configuration.clusterConfigRetryMaximum), maximum: configuration.clusterConfigRetryMaximum)
        let key = Array(KeyPaths.clusterConfig(cluster: name).utf8)
        var lastError = "not found"
        while true {
            do throws(ConnectionFailure) {
                let result = try await connection.range(key: key, rangeEnd: [])
                if let kv = result.kvs.first {
                    do throws(GoShapeError) {
                        return try RemoteClusterConfig.parse(kv.value)
                    } catch {
                        lastError = "invalid cluster configuration: \(error)"
                    }
                } else {
                    lastError = "cluster configuration \(KeyPaths.clusterConfig(cluster: name)) not found"
                }
            } catch where !error.endsConnection {
                lastError = error.description
            }
            let delay = backoff.next(random: configuration.random)
            guard clock.now + delay < deadline else {
                throw .clusterConfig("failed to retrieve cluster configuration: \(lastError)")
            }
            mesh.log(.info, "remote \(name): \(lastError); retrying")
            do {
                try await clock.sleep(for: delay)
            } catch {
                throw .cancelled
            }
        }
    }
}

/// When the last heartbeat event arrived, and whether the first heartbeat list completed.
final class HeartbeatTracker: Sendable {
    /// Guards the time of the last heartbeat; taken alone.
    private let lastSeen: Mutex<Double>
    enum Establishment: Sendable { case established, failed, timedOut }
    let established = ResumeOnce<Establishment>()

    init(now: Double) { lastSeen = Mutex(now) }

    var last: Double { lastSeen.withLock { $0 } }

    func touch(_ now: Double) { lastSeen.withLock { $0 = max($0, now) } }
}

/// `cilium/.heartbeat` list-watch: any key seen or put counts as a heartbeat (readers use the
/// local receive time, never the value).
struct HeartbeatSink: ListWatchSink {
    let tracker: HeartbeatTracker
    let clock: any MeshClock

    mutating func beginList() {}

    mutating func listed(_ kvs: [RemoteKeyValue]) async {
        if !kvs.isEmpty { tracker.touch(clock.now) }
    }

    mutating func endList(revision: Int64) async { tracker.established.resolve(.established) }

    mutating func events(_ events: [RemoteEvent]) async {
        if events.contains(where: { if case .put = $0 { return true } else { return false } }) {
            tracker.touch(clock.now)
        }
    }
}
