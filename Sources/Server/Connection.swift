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
/// Reads and writes are non-blocking, driven by Dispatch read/write sources, so an idle
/// connection costs a queue, two sources and a few small buffers.
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
    var readSource: (any DispatchSourceRead)?
    var writeSource: (any DispatchSourceWrite)?
    var writeSourceActive = false
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
         metrics: ServerMetrics?, logger: Logger,
         onClose: @escaping @Sendable (Connection) -> Void) {
        self.id = id
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
            let read = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
            read.setEventHandler { [weak self] in self?.onReadable() }
            let write = DispatchSource.makeWriteSource(fileDescriptor: socket.fd, queue: queue)
            write.setEventHandler { [weak self] in self?.onWritable() }
            readSource = read
            writeSource = write
            read.resume()
            queue.asyncAfter(deadline: .now() + configuration.handshakeTimeoutSeconds) { [weak self] in
                guard let self, case .sniffing = self.proto else { return }
                self.close()
            }
        }
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
                if !writeSourceActive, let w = writeSource {
                    writeSourceActive = true
                    w.resume()
                }
                return
            case .done(let n):
                outputOffset += n
            }
        }
        output.removeAll(keepingCapacity: output.count <= 256 * 1024)
        outputOffset = 0
        if writeSourceActive, let w = writeSource {
            writeSourceActive = false
            w.suspend()
        }
        if closeAfterFlush {
            // HTTP/2: half-close and drain first, so that the peer reads our GOAWAY rather than
            // a reset (Connection+Backpressure.swift).
            if lingering || beginLingering() { return }
            close()
            return
        }
        resumeReadingIfDrained()
    }

    private func pauseReading() {
        guard !readPaused, let r = readSource else { return }
        readPaused = true
        r.suspend()
    }

    private func resumeReadingIfDrained() {
        guard readPaused, pendingOutputBytes <= configuration.socketBacklogPauseBytes / 2, let r = readSource else { return }
        readPaused = false
        r.resume()
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

    func close() {
        if case .closed = proto, readSource == nil, writeSource == nil { return }
        proto = .closed
        for call in calls.values { call.watchSession?.close() }
        calls.removeAll()
        for exchange in gatewayStreams.values { exchange.close() }
        gatewayStreams.removeAll()
        http1Exchange?.close()
        http1Exchange = nil
        // The descriptor may only be closed once both sources are cancelled (Dispatch rule).
        let count = (readSource == nil ? 0 : 1) + (writeSource == nil ? 0 : 1)
        let closer = DescriptorCloser(socket: socket, sources: count)
        if let w = writeSource {
            if !writeSourceActive { w.resume() }
            w.setCancelHandler { closer.sourceCancelled() }
            w.cancel()
        }
        if let r = readSource {
            if readPaused { r.resume() }
            readPaused = false
            r.setCancelHandler { closer.sourceCancelled() }
            r.cancel()
        }
        if count == 0 { socket.close() }
        writeSource = nil
        writeSourceActive = false
        readSource = nil
        output = []
        onClose(self)
    }
}

/// Closes a socket after its last Dispatch source has been cancelled.
final class DescriptorCloser: Sendable {
    private let socket: Socket
    private let remaining: Atomic<Int>

    init(socket: Socket, sources: Int) {
        self.socket = socket
        self.remaining = Atomic(sources)
    }

    func sourceCancelled() {
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { socket.close() }
    }

}
