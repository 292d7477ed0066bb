import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import EtcdAPI
import MVCC
import Sockets
import Logging
import Synchronization
import TLS

/// The etcd API listener: accepts connections, owns the connection registry and runs the
/// store's periodic work (watch catch-up, lease expiry, compaction, progress notifications).
public final class APIServer: Sendable {
    public let api: EtcdServer
    public let configuration: ServerConfiguration
    private let listenerQueue = DispatchQueue(label: "apiserver.listener")
    private let timerQueue = DispatchQueue(label: "apiserver.timers")
    /// Guards the listener, the connection registry and the timers (a pthread mutex so that
    /// ThreadSanitizer sees it; see `PthreadMutex`). Never held while calling into a connection.
    private let state = PthreadMutex(State())

    private struct State {
        var listener: Listener?
        var connections: [Int: Connection] = [:]
        var nextID = 0
        var timers = Timers(list: [])
    }

    /// When set, every connection on the listener is TLS (mTLS when the context has a client CA).
    public let tls: TLSServerContext?

    public let metrics: ServerMetrics?
    let logger: Logger

    public init(api: EtcdServer, configuration: ServerConfiguration = .init(), tls: TLSServerContext? = nil,
                metrics: ServerMetrics? = nil, logger: Logger = Logger(label: "clustermesh-apiserver")) {
        self.api = api
        self.configuration = configuration
        self.tls = tls
        self.metrics = metrics
        self.logger = logger
    }

    /// Binds and starts serving; returns the bound address (port 0 picks a free port).
    @discardableResult
    public func start(listen address: SocketAddress) throws(SocketError) -> SocketAddress {
        let listener = try Listener(address: address, queue: listenerQueue) { [weak self] socket, peer in
            self?.accepted(socket, peer)
        }
        state.withLock { $0.listener = listener }
        listener.start()
        startTimers()
        return listener.address
    }

    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Open connections per principal label (`anonymous` or the certificate CN).
    public var connectionsByPrincipal: [String: Int] {
        let connections = state.withLock { Array($0.connections.values) }
        var out: [String: Int] = [:]
        for c in connections { out[c.principalLabel.withLock { $0 }, default: 0] += 1 }
        return out
    }

    private func accepted(_ socket: Socket, _ peer: SocketAddress) {
        let engine: TLSEngine?
        if let tls {
            guard let e = try? tls.makeEngine() else {
                socket.close()
                return
            }
            engine = e
        } else {
            engine = nil
        }
        let users = tls?.configuration.clientCAPath != nil ? api.policy.users : nil
        let connection: Connection? = state.withLock { s in
            guard s.connections.count < configuration.maxConnections else { return nil }
            s.nextID += 1
            let queue = DispatchQueue(label: "apiserver.conn", target: .global())
            let c = Connection(id: s.nextID, socket: socket, peer: peer, queue: queue, api: api,
                               configuration: configuration, tls: engine, userDirectory: users,
                               metrics: metrics, logger: logger) { [weak self] closed in
                self?.state.withLock { _ = $0.connections.removeValue(forKey: closed.id) }
            }
            s.connections[c.id] = c
            return c
        }
        guard let connection else {
            metrics?.connectionsRejected.increment()
            socket.close()
            return
        }
        metrics?.connectionsAccepted.increment()
        connection.start()
    }

    private func startTimers() {
        let store = api.store
        let c = configuration
        func every(_ interval: DispatchTimeInterval, _ work: @escaping @Sendable () -> Void) -> any DispatchSourceTimer {
            let t = DispatchSource.makeTimerSource(queue: timerQueue)
            t.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(10))
            t.setEventHandler(handler: work)
            t.resume()
            return t
        }
        let timers = [
            every(.milliseconds(c.watchSyncIntervalMilliseconds)) { store.syncWatchers() },
            every(.milliseconds(c.leaseCheckIntervalMilliseconds)) { store.expireLeases() },
            every(.milliseconds(Int(c.compactionIntervalSeconds * 1000))) { store.autoCompact() },
            every(.milliseconds(Int(c.progressNotifyIntervalSeconds * 1000))) { store.progressNotifyTick() },
        ]
        let box = Timers(list: timers)
        state.withLock { $0.timers = box }
    }

    /// Graceful shutdown: stop accepting, GOAWAY every connection and end its streams with
    /// Unavailable (clients resume elsewhere), wait up to `timeout` for the output to drain,
    /// then close whatever is left.
    public func shutdown(timeout: Double) {
        let (listener, connections, timers) = state.withLock { s in
            let r = (s.listener, Array(s.connections.values), s.timers)
            s.listener = nil
            s.timers = Timers(list: [])
            return r
        }
        listener?.stop()
        for c in connections { c.queue.async { c.beginShutdown() } }
        let deadline = DispatchTime.now() + timeout
        while connectionCount > 0 && DispatchTime.now() < deadline {
            usleep(20_000)
        }
        timers.list.forEach { $0.cancel() }
        let left = state.withLock { Array($0.connections.values) }
        for c in left { c.queue.sync { c.close() } }
        if !left.isEmpty { logger.warning("shutdown: closed connections that did not finish in time", metadata: ["count": "\(left.count)"]) }
    }

    /// Stops accepting and closes every connection at once.
    public func stop() {
        let (listener, connections, timers) = state.withLock { s in
            let r = (s.listener, Array(s.connections.values), s.timers)
            s.listener = nil
            s.timers = Timers(list: [])
            return r
        }
        timers.list.forEach { $0.cancel() }
        listener?.stop()
        for c in connections { c.queue.sync { c.close() } }
    }
}

/// Dispatch timers are thread-safe objects that are not marked Sendable.
struct Timers: @unchecked Sendable {
    var list: [any DispatchSourceTimer]
}
