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
