import Dispatch
import EtcdAPI
import GRPCWire
import HPACK
import HTTP1
import Logging
import HTTP2
import Sockets
import Synchronization
import TLS

/// One client connection: reads bytes, tells HTTP/2 from HTTP/1.1, runs the HTTP/2 codec and
/// routes gRPC streams to the etcd API.
///
/// Concurrency: every field is owned by `queue` (a serial queue); the only entry points from
/// elsewhere are `start()` and the watch `onPending` callback, which hop onto `queue`.
/// Reads and writes are non-blocking, driven by the `EventPoller`, so an idle connection
/// costs a queue, one poll registration and a few small buffers.
///
/// Descriptor lifecycle (`PollRegistration`'s rule): the connection owns `socket` from
/// `init` on; `start()` hands it to a registration, after which only `registration.close()`
/// closes it. `close()` is idempotent and runs on `queue` only; nothing reads or writes the
/// socket once `proto` is `.closed`.
final class Connection: @unchecked Sendable {
    enum WireProtocol {
        case sniffing
        case http1
        case http2
        case closed
    }

    let socket: Socket
    let peer: SocketAddress
    let queue: DispatchQueue
    let api: EtcdServer
    let configuration: ServerConfiguration
    let onClose: @Sendable (Connection) -> Void
    let id: Int
    /// Set when the listener terminates TLS; every byte in and out goes through it.
    let tls: TLSEngine?
    let userDirectory: UserDirectory?
    let metrics: ServerMetrics?
    let logger: Logger
    /// The principal as a metrics/status label, readable from other threads.
    let principalLabel = Mutex("anonymous")
    var loggedPermissionDenied = false

    // Owned by `queue`:
    var proto: WireProtocol = .sniffing
    /// Who is calling: anonymous on plaintext, the client certificate's CN on mTLS.
    var principal: Principal = .anonymous
    var tlsEstablished = false
    var sniffBuffer: [UInt8] = []
    var h2: HTTP2ServerConnection
    var calls: [UInt32: GRPCCall] = [:]
    /// Non-gRPC HTTP/2 streams served by the JSON gateway.
    var gatewayStreams: [UInt32: GatewayExchange] = [:]
    var http1Parser = HTTP1RequestParser()
    var http1Exchange: GatewayExchange?
    var http1RequestComplete = false
    let gateway: GatewayHandler
    var highestStreamID: UInt32 = 0
    var output: [UInt8] = []
    var outputOffset = 0
    let poller: EventPoller
    /// Set by `start()`; owns the descriptor from then on.
    var registration: PollRegistration?
    /// `socket` was closed (by the registration, or directly when `close()` ran before `start()`).
    var descriptorClosed = false
    var closeAfterFlush = false
    /// Reading is suspended while the client does not read what we send.
    var readPaused = false
    /// HTTP/2 events held back, in arrival order, while the peer holds more than
    /// `responseBacklogDeferBytes` of our output (Connection+Backpressure.swift); `deferredHead`
    /// is the next one, `deferredCost` their estimated memory.
    var deferredEvents: [HTTP2Event] = []
    var deferredHead = 0
    var deferredCost = 0
    /// A hop onto `queue` to resume deferred events is pending.
    var resumeScheduled = false
    /// Backlog stall detection: a check is pending; the held bytes and time of the last progress.
    var stallCheckScheduled = false
    var stallMarkBytes = 0
    var stallMarkTime: UInt64 = 0
    /// Output is done and shut down; input is read and discarded until EOF or a deadline.
    var lingering = false
    /// Coalesces watch wake-ups from store writers into one hop onto `queue`.
    let pumpScheduled = Atomic<Bool>(false)

    init(id: Int, socket: Socket, peer: SocketAddress, queue: DispatchQueue, api: EtcdServer,
         configuration: ServerConfiguration, tls: TLSEngine?, userDirectory: UserDirectory?,
         metrics: ServerMetrics?, logger: Logger, poller: EventPoller = .shared,
         onClose: @escaping @Sendable (Connection) -> Void) {
        self.id = id
        self.poller = poller
        self.metrics = metrics
        self.logger = logger
        self.gateway = GatewayHandler(server: api)
        self.tls = tls
        self.userDirectory = userDirectory
        self.socket = socket
        self.peer = peer
        self.queue = queue
        self.api = api
        self.configuration = configuration
        self.onClose = onClose
        self.h2 = HTTP2ServerConnection(configuration: configuration.http2)
    }

    func start() {
        queue.async { [self] in
            // close() (shutdown) may have run first: the socket is already closed then.
            guard !descriptorClosed else { return }
            do {
                registration = try poller.register(fd: socket.fd, queue: queue) { [weak self] events in
                    self?.onEvents(events)
                }
            } catch {
                logger.warning("cannot watch a new connection", metadata: ["peer": "\(peer)", "error": "\(error)"])
                close()
                return
            }
            updateInterest()
            queue.asyncAfter(deadline: .now() + configuration.handshakeTimeoutSeconds) { [weak self] in
                guard let self, case .sniffing = self.proto else { return }
                self.close()
            }
        }
    }

    /// Runs on `queue` for each poller event; the registration re-arms `updateInterest()`'s
    /// choice afterwards. A hang-up is handled by reading (end-of-file or the error) and writing.
    private func onEvents(_ events: PollEvents) {
        if events.readable || events.hangup { onReadable() }
        if case .closed = proto { return }
        if events.writable || events.hangup { onWritable() }
    }

    /// Read unless paused, write while output is pending; nothing once closed.
    func updateInterest() {
        guard let registration, !descriptorClosed else { return }
        var interest: PollInterest = []
        if !readPaused { interest.insert(.read) }
        if pendingOutputBytes > 0 { interest.insert(.write) }
        registration.want(interest)
    }

    // MARK: reading

    private func onReadable() {
        if lingering {
            drainLingering()
            return
        }
        var budget = configuration.readBudgetPerEvent
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while budget > 0 {
            if case .closed = proto { return }
            if pendingOutputBytes > configuration.socketBacklogPauseBytes {
                pauseReading()
                break
            }
            let result: IOResult<Int>
            do {
                result = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
            } catch {
                close()
                return
            }
            switch result {
            case .wouldBlock:
                budget = 0
            case .done(0):
                close()
                return
            case .done(let n):
                budget -= n
                if tls != nil {
                    decrypt(buffer[0..<n])
                } else {
                    received(buffer[0..<n])
                }
            }
        }
        flush()
    }

    private func received(_ bytes: ArraySlice<UInt8>) {
        switch proto {
        case .closed:
            return
        case .http2:
            handle(h2.receive(bytes, now: DispatchTime.now().uptimeNanoseconds))
        case .http1:
            receivedHTTP1(bytes)
        case .sniffing:
            sniffBuffer.append(contentsOf: bytes)
            switch ProtocolSniffer.classify(sniffBuffer) {
            case .needMoreBytes:
                if sniffBuffer.count > 4096 { close() }
            case .http2:
                proto = .http2
                let buffered = sniffBuffer
                sniffBuffer = []
                handle(h2.receive(buffered[...], now: DispatchTime.now().uptimeNanoseconds))
            case .http1:
                proto = .http1
                let buffered = sniffBuffer
                sniffBuffer = []
                receivedHTTP1(buffered[...])
            case .unknown:
                close()
            }
        }
    }

    // MARK: HTTP/2 events

    private func handle(_ events: [HTTP2Event]) {
        for event in events { admit(event) }
    }

    /// One codec event, in order; `admit` (Connection+Backpressure.swift) decides when.
    func process(_ event: HTTP2Event) {
        switch event {
        case .headers(let id, let fields, let endStream):
            if id > highestStreamID {
                highestStreamID = id
                openStream(id, fields: fields, endStream: endStream)
            } else if endStream {
                // Trailers from the client end its side of the stream (gRPC call or
                // gateway request alike).
                endOfRequest(id)
            }
        case .data(let id, let bytes, let endStream):
            requestData(id, bytes: bytes, endStream: endStream)
        case .streamReset(let id, _):
            dropCall(id)
        case .windowAvailable:
            pumpWatches()
        case .goAway:
            break
        case .connectionError:
            closeAfterFlush = true
        }
    }

    /// Sends the HTTP/2 output, then closes if the codec says the connection is over.
    func flush() {
        resumeDeferred()
        if case .http2 = proto, heldBytes > configuration.maxQueuedResponseBytes {
            cutOff("response size limit", held: heldBytes)
        }
        if case .http2 = proto {
            let bytes = h2.takeOutput()
            if !bytes.isEmpty { emit(bytes) }
            if h2.isClosed { closeAfterFlush = true }
        }
        flushOutput()
        watchBacklog()
    }

    // MARK: TLS

    /// Ciphertext from the socket → plaintext for the protocol layer.
    private func decrypt(_ ciphertext: ArraySlice<UInt8>) {
        guard let tls else { return }
        tls.feed(ciphertext)
        var plaintext: [UInt8] = []
        while true {
            plaintext.removeAll(keepingCapacity: true)
            let status: TLSEngine.ReadStatus
            do {
                status = try tls.readPlaintext(into: &plaintext)
            } catch {
                output.append(contentsOf: tls.takeCiphertext())
                closeAfterFlush = true
                metrics?.connectionsRejected.increment()
                logger.debug("TLS handshake failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
                return
            }
            if !tlsEstablished && tls.handshakeComplete {
                tlsEstablished = true
                guard authenticate(tls) else {
                    tls.shutdown()
                    output.append(contentsOf: tls.takeCiphertext())
                    closeAfterFlush = true
                    return
                }
            }
            if !plaintext.isEmpty { received(plaintext[...]) }
            if case .closed = proto { return }
            switch status {
            case .ok: continue
            case .wantMore:
                output.append(contentsOf: tls.takeCiphertext())
                return
            case .closed:
                output.append(contentsOf: tls.takeCiphertext())
                closeAfterFlush = true
                return
            }
        }
    }

    /// Maps the verified client certificate to a principal; unknown users are refused.
    private func authenticate(_ tls: TLSEngine) -> Bool {
        guard let directory = userDirectory else { return true }
        guard tls.peerCertificateChainVerified, let cn = tls.peerCertificateCommonName,
              directory.knows(cn) else {
            metrics?.connectionsRejected.increment()
            logger.info("client certificate refused: unknown user", metadata: [
                "peer": "\(peer)", "cn": "\(tls.peerCertificateCommonName ?? "<none>")"])
            return false
        }
        principal = .user(cn)
        principalLabel.withLock { $0 = cn }
        logger.info("peer connected", metadata: [
            "peer": "\(peer)", "cn": "\(cn)", "alpn": "\(tls.negotiatedALPN ?? "none")"])
        return true
    }

    /// Plaintext from the protocol layer → the socket (through TLS when present).
    func emit(_ bytes: [UInt8]) {
        guard let tls else {
            output.append(contentsOf: bytes)
            return
        }
        do {
            try tls.writePlaintext(bytes[...])
        } catch {
            closeAfterFlush = true
        }
        output.append(contentsOf: tls.takeCiphertext())
    }

    // MARK: writing

    private func flushOutput() {
        while outputOffset < output.count {
            let result: IOResult<Int>
            do {
                result = try output.withUnsafeBytes { raw in
                    try socket.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
                }
            } catch {
                close()
                return
            }
            switch result {
            case .wouldBlock:
                updateInterest()
                return
            case .done(let n):
                outputOffset += n
            }
        }
        output.removeAll(keepingCapacity: output.count <= 256 * 1024)
        outputOffset = 0
        if closeAfterFlush {
            // HTTP/2: half-close and drain first, so that the peer reads our GOAWAY rather than
            // a reset (Connection+Backpressure.swift).
            if lingering || beginLingering() { return }
            close()
            return
        }
        resumeReadingIfDrained()
        updateInterest()
    }

    private func pauseReading() {
        guard !readPaused else { return }
        readPaused = true
        updateInterest()
    }

    private func resumeReadingIfDrained() {
        guard readPaused, pendingOutputBytes <= configuration.socketBacklogPauseBytes / 2 else { return }
        readPaused = false
    }

    private func onWritable() {
        flushOutput()
        if outputOffset == 0 && output.isEmpty {
            pumpWatches()
            flush()
        }
    }

    var pendingOutputBytes: Int { output.count - outputOffset }

    // MARK: closing

    /// Ends the connection: streams dropped, descriptor deregistered and closed (once),
    /// `onClose` called once. Idempotent; runs on `queue`.
    func close() {
        if descriptorClosed { return }
        descriptorClosed = true
        proto = .closed
        for call in calls.values { call.watchSession?.close() }
        calls.removeAll()
        for exchange in gatewayStreams.values { exchange.close() }
        gatewayStreams.removeAll()
        http1Exchange?.close()
        http1Exchange = nil
        if let registration {
            registration.close()
        } else {
            socket.close()  // close() before start(): never registered
        }
        registration = nil
        output = []
        outputOffset = 0
        onClose(self)
    }
}
