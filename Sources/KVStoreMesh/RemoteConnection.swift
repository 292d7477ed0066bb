/// One connection to a remote: its client behind deadlines, cancellation and the cluster-ID latch.
struct RemoteConnection: Sendable {
    let client: any RemoteClient
    let latch: ClusterIDLatch
    let clock: any MeshClock
    let requestTimeout: Double

    func range(key: [UInt8], rangeEnd: [UInt8], revision: Int64 = 0, limit: Int64 = 0) async throws(ConnectionFailure) -> RemoteRangeResult {
        let client = self.client
        let result: RemoteRangeResult
        do {
            result = try await Deadline.run(clock: clock, seconds: requestTimeout) { () async throws(RemoteClientError) in
                try await client.range(key: key, rangeEnd: rangeEnd, revision: revision, limit: limit)
            }
        } catch {
            throw Self.map(error)
        }
        try latch.check(result.header)
        return result
    }

    func watch(key: [UInt8], rangeEnd: [UInt8], startRevision: Int64) async throws(ConnectionFailure) -> LatchedWatch {
        let client = self.client
        let watch: any RemoteWatch
        do {
            watch = try await Deadline.run(clock: clock, seconds: requestTimeout) { () async throws(RemoteClientError) in
                try await client.watch(key: key, rangeEnd: rangeEnd, startRevision: startRevision)
            }
        } catch {
            throw Self.map(error)
        }
        return LatchedWatch(watch: watch, latch: latch, clock: clock)
    }

    static func map(_ error: RemoteClientError) -> ConnectionFailure {
        if error == .closed && Task.isCancelled { return .cancelled }
        return .remote(error)
    }
}

/// A watch whose every response goes through the latch.
struct LatchedWatch: Sendable {
    let watch: any RemoteWatch
    let latch: ClusterIDLatch
    let clock: any MeshClock

    func next() async throws(ConnectionFailure) -> RemoteWatchMessage? {
        let watch = self.watch
        let message: RemoteWatchMessage?
        do {
            message = try await Deadline.run(clock: clock, seconds: nil) { () async throws(RemoteClientError) in
                try await watch.next()
            }
        } catch {
            throw RemoteConnection.map(error)
        }
        switch message {
        case .events(let h, _)?, .progress(let h)?, .canceled(let h, _, _)?:
            try latch.check(h)
        case nil:
            break
        }
        return message
    }

    /// Cancels without waiting more than a few seconds for a client that does not answer.
    func cancel() async {
        let watch = self.watch
        _ = try? await Deadline.run(clock: clock, seconds: 5) { () async throws(RemoteClientError) in await watch.cancel() }
    }
}
