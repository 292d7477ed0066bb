import Synchronization

/// Why a connection to a remote ended (or could not be set up).
enum ConnectionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case remote(RemoteClientError)
    /// A response carried a different etcd `cluster_id` than the first one of this connection
    /// (Cilium's interceptor, reference §2.7): everything is relisted over a new connection.
    case clusterIDChanged(from: UInt64, to: UInt64)
    /// No heartbeat for this many seconds (Cilium's status checker).
    case heartbeatStale(Double)
    /// `cilium/cluster-config/<R>` could not be retrieved in time, or is unusable.
    case clusterConfig(String)
    /// The remote's cluster ID is the local one or another remote's.
    case clusterIDConflict(String)
    /// The local store refused a write that must succeed (the republished cluster config).
    case localStore(String)
    case cancelled

    /// Errors that end the connection; the others are retried in place (relist, re-watch).
    var endsConnection: Bool {
        switch self {
        case .remote(.closed), .clusterIDChanged, .heartbeatStale, .clusterConfig, .clusterIDConflict, .localStore, .cancelled:
            return true
        case .remote:
            return false
        }
    }

    var description: String {
        switch self {
        case .remote(let e): return e.description
        case .clusterIDChanged(let a, let b):
            return "etcd cluster ID has changed: previously \(String(a, radix: 16)), now \(String(b, radix: 16))"
        case .heartbeatStale(let s): return "\(Int(s))s since last heartbeat update has been received"
        case .clusterConfig(let m): return m
        case .clusterIDConflict(let m): return m
        case .localStore(let m): return "local store: \(m)"
        case .cancelled: return "connection stopped"
        }
    }
}

/// Latches the first `header.cluster_id` of a connection and rejects any other later
/// (`pkg/clustermesh/common/interceptor.go`).
final class ClusterIDLatch: Sendable {
    /// Guards the latched ID; taken alone.
    private let latched = Mutex<UInt64?>(nil)

    init() {}

    var value: UInt64? { latched.withLock { $0 } }

    func check(_ header: RemoteHeader) throws(ConnectionFailure) {
        let previous = latched.withLock { v -> UInt64? in
            if let v { return v }
            v = header.clusterID
            return nil
        }
        if let previous, previous != header.clusterID {
            throw .clusterIDChanged(from: previous, to: header.clusterID)
        }
    }
}

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
