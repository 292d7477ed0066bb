import Dispatch
import Logging
import TLS

/// An etcd v3 client: typed Range / Status / paginated list / Watch over one HTTP/2
/// connection that multiplexes every call, written against the same transport rules grpc-go
/// follows (`reference/etcd-v3-api.md` §6) and Cilium's clientv3 setup.
///
/// - Endpoints are shuffled once; one is used at a time and the next one after a failure.
/// - Connecting is lazy (first call) and reconnecting uses exponential backoff with full
///   jitter; calls wait for a connection until their deadline (`waitForReady`).
/// - Deadlines travel as `grpc-timeout` and are enforced here: the stream is reset with CANCEL
///   and the call fails with `.deadlineExceeded`.
/// - GOAWAY: new calls go to a new connection, running ones finish on the old one; calls the
///   server never processed are retried transparently.
/// - TLS files are re-read for each new connection when they changed (certificate rotation).
///
/// Concurrency: all state is owned by `queue`; the public API is async and thread-safe, and
/// no I/O ever happens on the caller's thread.
public final class EtcdClient: @unchecked Sendable {
    public let configuration: EtcdClientConfiguration
    let logger: Logger
    /// Owns the client's state and (as their target) every connection's.
    let queue = DispatchQueue(label: "etcdclient")
    /// Where blocking DNS lookups run (only those).
    let resolverQueue = DispatchQueue(label: "etcdclient.resolver")

    // Owned by `queue`:
    var endpoints: [EtcdEndpoint]
    var nextEndpointIndex = 0
    /// The connection new calls go to (connecting or ready).
    var active: EtcdConnection?
    /// Connections that received GOAWAY and finish their calls.
    var draining: [ObjectIdentifier: EtcdConnection] = [:]
    /// Calls waiting for a ready connection, in submission order.
    var waiting: [EtcdCall] = []
    /// Consecutive failed connection attempts (reset by a connection that got ready).
    var failedAttempts = 0
    var reconnectWork: DispatchWorkItem?
    var lastConnectionError: EtcdClientError?
    var closed = false
    var nextConnectionID = 0
    var tlsContexts: [TLSConfigurationKey: ReloadingTLSClientContext] = [:]
    var random = SystemRandomNumberGenerator()
    /// Watch streams open on this client (closed with it).
    var watchStreams: [ObjectIdentifier: EtcdWatchStream] = [:]

    /// Creates a client; nothing is connected until the first call.
    public init(configuration: EtcdClientConfiguration, logger: Logger = Logger(label: "etcdclient")) {
        precondition(!configuration.endpoints.isEmpty, "an etcd client needs at least one endpoint")
        self.configuration = configuration
        self.logger = logger
        self.endpoints = configuration.shuffleEndpoints ? configuration.endpoints.shuffled() : configuration.endpoints
    }

    deinit {
        // Dropped without close(): end the connections on their queues (they outlive us there).
        for connection in (active.map { [$0] } ?? []) + Array(draining.values) {
            connection.queue.async { connection.close(.closed) }
        }
    }

    /// Ends every call and watch with `.closed` (watchers' `next()` returns nil) and closes the
    /// connections (GOAWAY first). Idempotent.
    public func close() {
        queue.async { [self] in
            guard !closed else { return }
            closed = true
            reconnectWork?.cancel()
            reconnectWork = nil
            let calls = waiting
            waiting.removeAll()
            for call in calls { call.finish(.failed(.closed)) }
            for stream in watchStreams.values { stream.clientClosed() }
            watchStreams.removeAll()
            let connections = (active.map { [$0] } ?? []) + Array(draining.values)
            active = nil
            draining.removeAll()
            for connection in connections { connection.shutdown() }
        }
    }

    /// Endpoint order in use (after shuffling), for logs and tests.
    public var endpointOrder: [EtcdEndpoint] { endpoints }

    /// State for diagnostics: connected endpoint, waiting calls, failures so far.
    public struct Snapshot: Sendable, Equatable {
        public var connectedEndpoint: EtcdEndpoint?
        public var waitingCalls: Int
        public var activeCalls: Int
        public var drainingConnections: Int
        public var failedAttempts: Int
        public var lastError: EtcdClientError?
    }

    public func snapshot() async -> Snapshot {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: Snapshot(
                    connectedEndpoint: active?.isReady == true ? active?.endpoint : nil,
                    waitingCalls: waiting.count,
                    activeCalls: (active?.activeCallCount ?? 0) + draining.values.reduce(0) { $0 + $1.activeCallCount },
                    drainingConnections: draining.count, failedAttempts: failedAttempts,
                    lastError: lastConnectionError))
            }
        }
    }
}

/// The TLS inputs that select a cached reloading context.
struct TLSConfigurationKey: Hashable {
    var caFile: String?
    var certFile: String?
    var keyFile: String?
    var insecureSkipVerify: Bool
}
