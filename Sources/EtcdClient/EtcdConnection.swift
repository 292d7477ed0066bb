import Dispatch
import GRPCWire
import HPACK
import HTTP2
import Logging
import Sockets
import TLS

/// What a connection tells its client (called on the client's queue).
protocol EtcdConnectionOwner: AnyObject {
    /// The server's SETTINGS arrived: calls may start.
    func connectionReady(_ connection: EtcdConnection)
    /// GOAWAY received: no new calls here; the running ones may finish.
    func connectionGoingAway(_ connection: EtcdConnection)
    /// Calls ended here: calls waiting for room may start.
    func connectionHasRoom(_ connection: EtcdConnection)
    /// The connection is gone; its calls were ended before this is called.
    func connectionClosed(_ connection: EtcdConnection, error: EtcdClientError?, wasReady: Bool)
}

/// One HTTP/2 connection to an etcd endpoint: non-blocking connect (with timeout) on Glibc
/// sockets, optional TLS (ALPN `h2` required, like grpc-go ≥ 1.67), the pure
/// `HTTP2ClientConnection`, gRPC calls multiplexed on it, keepalive pings.
///
/// Concurrency: every field is owned by `queue`, a serial queue per connection that targets
/// the client's queue (so connection and client code never run at the same time). Readiness
/// comes from the process's `EventPoller` (one epoll set behind one Dispatch source); an idle
/// connection costs its buffers and one poll registration, and no timer fires faster than the
/// keepalive time.
///
/// Descriptor lifecycle: `PollRegistration`'s rule (Sources/Sockets/PollRegistration.swift).
/// 1. One owner: this object, on `queue`. A fresh socket is registered at once and from then
///    on only `registration.close()` closes it (deregister, then close, exactly once).
/// 2. Interest changes go through `setReading`/`setWriteInterest`, which only record what we
///    want; nothing is ever programmed for a closed descriptor.
/// 3. No per-socket Dispatch sources: libdispatch's Linux epoll backend frees a socket's shared
///    muxnote from a worker thread after a peer reset, which no owner discipline prevents.
final class EtcdConnection: @unchecked Sendable {
    enum Phase: Equatable {
        case idle
        case resolving
        case connecting
        case handshaking
        case ready
        case closed
    }

    let id: Int
    let endpoint: EtcdEndpoint
    let queue: DispatchQueue
    let resolverQueue: DispatchQueue
    let configuration: EtcdClientConfiguration
    let tlsContext: TLSClientContext?
    let logger: Logger
    weak var owner: (any EtcdConnectionOwner)?

    var phase = Phase.idle
    var addresses: [SocketAddress] = []
    var addressIndex = 0
    var lastConnectError: EtcdClientError?
    var socket: Socket?
    var registration: PollRegistration?
    var readingEnabled = false
    var writeInterest = false
    var tls: TLSEngine?
    var tlsEstablished = false
    var h2: HTTP2ClientConnection
    var streams: [UInt32: EtcdStream] = [:]
    var output: [UInt8] = []
    var outputOffset = 0
    var dialWork: DispatchWorkItem?
    var wasReady = false
    var goingAway = false

    // Keepalive (see EtcdConnection+Keepalive).
    var lastReadAt = DispatchTime.now()
    var keepaliveWork: DispatchWorkItem?
    var pingSentAt: DispatchTime?

    init(id: Int, endpoint: EtcdEndpoint, clientQueue: DispatchQueue, resolverQueue: DispatchQueue,
         configuration: EtcdClientConfiguration, tlsContext: TLSClientContext?, logger: Logger,
         owner: any EtcdConnectionOwner) {
        self.id = id
        self.endpoint = endpoint
        self.queue = DispatchQueue(label: "etcdclient.connection.\(id)", target: clientQueue)
        self.resolverQueue = resolverQueue
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.logger = logger
        self.owner = owner
        self.h2 = HTTP2ClientConnection(configuration: configuration.http2)
    }

    deinit {
        // Only reached without `close()` when the client itself was dropped: the descriptor
        // is still deregistered and closed exactly once (rule 1).
        dialWork?.cancel()
        keepaliveWork?.cancel()
        teardownSocket()
    }

    var isReady: Bool { phase == .ready && !goingAway && h2.acceptsNewStreams }
    var isClosed: Bool { phase == .closed }
    var activeCallCount: Int { streams.count }

    // MARK: Connecting

    /// Resolves the endpoint (IP literals need no lookup), then connects to its addresses in
    /// order until one answers; everything up to the server's SETTINGS is bounded by
    /// `dialTimeout`.
    func start() {
        queue.async { [self] in
            guard phase == .idle else { return }
            let work = DispatchWorkItem { [weak self] in
                guard let self, self.phase != .ready, self.phase != .closed else { return }
                self.close(.unavailable("connect to \(self.endpoint.authority): no connection within \(self.configuration.dialTimeout)"))
            }
            dialWork = work
            queue.asyncAfter(deadline: .now() + configuration.dialTimeout.dispatchInterval, execute: work)
            if let literal = try? SocketAddress(host: endpoint.host, port: endpoint.port) {
                addresses = [literal]
                connectNext()
                return
            }
            phase = .resolving
            let (host, port) = (endpoint.host, endpoint.port)
            // getaddrinfo blocks: it runs on the client's resolver queue, never on ours.
            resolverQueue.async { [weak self] in
                let result = Result { () throws(SocketError) in try SocketAddress.resolve(host: host, port: port) }
                self?.queue.async { [weak self] in self?.resolved(result) }
            }
        }
    }

    private func resolved(_ result: Result<[SocketAddress], SocketError>) {
        guard phase == .resolving else { return }
        switch result {
        case .success(let list):
            addresses = list
            connectNext()
        case .failure(let error):
            close(.unavailable("resolve \(endpoint.host): \(error)"))
        }
    }

    /// Starts a non-blocking connect to the next address; the write source reports completion.
    func connectNext() {
        guard phase != .closed else { return }
        guard addressIndex < addresses.count else {
            close(lastConnectError ?? .unavailable("connect to \(endpoint.authority): no address"))
            return
        }
        let address = addresses[addressIndex]
        addressIndex += 1
        phase = .connecting
        do {
            let (socket, progress) = try Socket.connect(to: address)
            try installSocket(socket)
            switch progress {
            case .connected:
                connected()
            case .inProgress:
                setWriteInterest(true)
            }
        } catch {
            lastConnectError = .unavailable("connect to \(address): \(error)")
            connectNext()
        }
    }

    /// Registers a fresh socket with the poller (rule 1); no interest yet.
    private func installSocket(_ socket: Socket) throws(SocketError) {
        do {
            registration = try EventPoller.shared.register(fd: socket.fd, queue: queue) { [weak self] events in
                self?.onEvents(events)
            }
        } catch {
            socket.close()  // never registered: still ours to close
            throw error
        }
        self.socket = socket
        readingEnabled = false
        writeInterest = false
    }

    /// Poller event on `queue`: a hang-up is handled by whichever side is wanted (reading
    /// sees end-of-file or the error; a pending connect sees its result).
    private func onEvents(_ events: PollEvents) {
        if readingEnabled, events.readable || events.hangup { onReadable() }
        if phase == .closed || registration == nil { return }
        if writeInterest, events.writable || events.hangup { onWritable() }
    }

    /// Deregisters and closes the descriptor (rule 1) and drops the buffers.
    func teardownSocket() {
        registration?.close()
        registration = nil
        readingEnabled = false
        writeInterest = false
        socket = nil
        output = []
        outputOffset = 0
    }

    func setReading(_ enabled: Bool) {
        guard registration != nil, enabled != readingEnabled else { return }
        readingEnabled = enabled
        updateInterest()
    }

    func setWriteInterest(_ enabled: Bool) {
        guard registration != nil, enabled != writeInterest else { return }
        writeInterest = enabled
        updateInterest()
    }

    private func updateInterest() {
        var interest: PollInterest = []
        if readingEnabled { interest.insert(.read) }
        if writeInterest { interest.insert(.write) }
        registration?.want(interest)
    }

    /// TCP is up: start TLS (ClientHello) and queue the HTTP/2 preface.
    func connected() {
        phase = .handshaking
        lastReadAt = .now()
        setWriteInterest(false)
        setReading(true)
        if let tlsContext {
            do {
                let engine = try tlsContext.makeEngine(serverName: configuration.tls?.serverName ?? endpoint.host)
                tls = engine
                var ignored: [UInt8] = []
                _ = try engine.readPlaintext(into: &ignored)
            } catch {
                close(.tls("TLS setup for \(endpoint.authority): \(error)"))
                return
            }
        }
        flush()
    }

    // MARK: Closing

    /// Ends the connection: every call is ended (retryable when the connection never got
    /// ready), timers and sources are cancelled, the owner is told.
    func close(_ error: EtcdClientError?) {
        guard phase != .closed else { return }
        let wasReady = self.wasReady
        phase = .closed
        dialWork?.cancel()
        dialWork = nil
        keepaliveWork?.cancel()
        keepaliveWork = nil
        let failure = error ?? .unavailable("connection to \(endpoint.authority) closed")
        let ended = streams
        streams.removeAll()
        for (_, stream) in ended.sorted(by: { $0.key < $1.key }) {
            let call = stream.call
            // Before the server's SETTINGS no request was processed.
            call.finish(wasReady ? .failed(failure) : .notProcessed(failure))
        }
        teardownSocket()
        tls = nil
        owner?.connectionClosed(self, error: error, wasReady: wasReady)
    }

    /// Graceful end: GOAWAY, write what is queued, then close.
    func shutdown() {
        guard phase != .closed else { return }
        h2.goAway()
        flush()
        tls?.shutdown()
        if let tls { output.append(contentsOf: tls.takeCiphertext()) }
        flushOutput()
        close(.closed)
    }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow, nanoseconds.partialValue < Int64(Int.max / 2) else { return .never }
        return .nanoseconds(Int(nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }
}
