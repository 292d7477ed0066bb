#if canImport(Glibc)
import Glibc
#endif
import Sockets
import TLS

/// One blocking client connection to the API server: TCP (non-blocking fd driven by `poll`,
/// so every wait has a deadline and notices the stop signal) plus an optional TLS engine.
/// Used by one thread at a time; closed exactly once by its owner.
final class KubeConnection {
    let socket: Socket
    private var engine: TLSEngine?
    private let stop: KubeStopSignal?
    private var readBuffer: [UInt8]
    /// Longest single `poll` wait, so a stop is noticed promptly.
    static let pollSlice: Duration = .milliseconds(100)
    static let readChunk = 64 * 1024

    private init(socket: Socket, engine: TLSEngine?, stop: KubeStopSignal?) {
        self.socket = socket
        self.engine = engine
        self.stop = stop
        self.readBuffer = [UInt8](repeating: 0, count: Self.readChunk)
    }

    deinit { socket.close() }

    /// Resolves `host`, connects to the first address that answers within `timeout`, and
    /// starts the TLS handshake (ClientHello sent) when `tls` is given.
    static func open(
        host: String, port: UInt16, tls: TLSClientContext?, serverName: String?, timeout: Duration, stop: KubeStopSignal?
    ) throws(KubeClientError) -> KubeConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .resolve(host: host, message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastError = KubeClientError.connect(address: "\(host):\(port)", message: "no address")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            do throws(KubeClientError) {
                let socket = try connect(ai.pointee, label: "\(host):\(port)", timeout: timeout, stop: stop)
                var engine: TLSEngine?
                if let tls {
                    do {
                        engine = try tls.makeEngine(serverName: serverName ?? host)
                    } catch {
                        socket.close()
                        throw KubeClientError.tls(error)
                    }
                }
                let connection = KubeConnection(socket: socket, engine: engine, stop: stop)
                if let engine {
                    var ignored: [UInt8] = []
                    do { _ = try engine.readPlaintext(into: &ignored) } catch { throw KubeClientError.tls(error) }
                    try connection.flushCiphertext(timeout: timeout)
                }
                return connection
            } catch {
                if error == .cancelled { throw error }
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(_ ai: addrinfo, label: String, timeout: Duration, stop: KubeStopSignal?) throws(KubeClientError) -> Socket {
        let fd = Glibc.socket(ai.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(address: label, message: String(cString: strerror(errno))) }
        let socket = Socket(fd: fd)
        var rc = Glibc.connect(fd, ai.ai_addr, ai.ai_addrlen)
        while rc != 0 && errno == EINTR { rc = Glibc.connect(fd, ai.ai_addr, ai.ai_addrlen) }
        if rc != 0 {
            let code = errno
            guard code == EINPROGRESS || code == EALREADY else {
                socket.close()
                throw .connect(address: label, message: String(cString: strerror(code)))
            }
            do throws(KubeClientError) {
                try wait(fd: fd, events: Int16(POLLOUT), deadline: ContinuousClock.now + timeout, stop: stop, what: "connect \(label)")
            } catch {
                socket.close()
                throw error
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else {
                socket.close()
                throw .connect(address: label, message: String(cString: strerror(soError)))
            }
        }
        try? socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return socket
    }

    /// Waits until `fd` is ready for `events`, the deadline passes (`.timeout`) or stop (`.cancelled`).
    static func wait(fd: Int32, events: Int16, deadline: ContinuousClock.Instant, stop: KubeStopSignal?, what: String) throws(KubeClientError) {
        while true {
            if stop?.isStopped == true { throw .cancelled }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw .timeout(what) }
            let slice = min(left, pollSlice)
            let ms = Int32(max(1, slice.components.seconds * 1000 + slice.components.attoseconds / 1_000_000_000_000_000))
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&pfd, 1, ms)
            if n > 0 { return }  // ready, or POLLERR/POLLHUP: the next call reports it
            if n < 0 && errno != EINTR { throw .socket(.failed(call: "poll", errno: errno, message: String(cString: strerror(errno)))) }
        }
    }

    /// Sends `bytes` (encrypting them when TLS is on); each wait for the socket is bounded by `timeout`.
    func write(_ bytes: [UInt8], timeout: Duration) throws(KubeClientError) {
        if let engine {
            do { try engine.writePlaintext(bytes[...]) } catch { throw .tls(error) }
            try flushCiphertext(timeout: timeout)
        } else {
            try sendAll(bytes, timeout: timeout)
        }
    }

    /// The next plaintext bytes, or nil when the server closed the connection. Waits at most
    /// `idleTimeout` for the socket to become readable each time.
    func read(idleTimeout: Duration) throws(KubeClientError) -> [UInt8]? {
        while true {
            if let engine {
                var out: [UInt8] = []
                let status: TLSEngine.ReadStatus
                do { status = try engine.readPlaintext(into: &out) } catch {
                    try? flushCiphertext(timeout: .seconds(1))  // the alert, best effort
                    throw .tls(error)
                }
                try flushCiphertext(timeout: idleTimeout)
                if !out.isEmpty { return out }
                if status == .closed { return nil }
            }
            try Self.wait(fd: socket.fd, events: Int16(POLLIN), deadline: ContinuousClock.now + idleTimeout, stop: stop, what: "read")
            let socket = self.socket
            let attempt = readBuffer.withUnsafeMutableBytes { raw -> Result<IOResult<Int>, SocketError> in
                do throws(SocketError) { return .success(try socket.read(into: raw)) } catch { return .failure(error) }
            }
            let result: IOResult<Int>
            switch attempt {
            case .success(let r): result = r
            case .failure(let error):
                if case .failed(call: _, errno: let code, message: _) = error, code == ECONNRESET { return nil }
                throw .socket(error)
            }
            guard case .done(let n) = result else { continue }
            if n == 0 { return nil }
            guard let engine else { return Array(readBuffer[0..<n]) }
            engine.feed(readBuffer[0..<n])
        }
    }

    private func flushCiphertext(timeout: Duration) throws(KubeClientError) {
        guard let engine else { return }
        while engine.hasPendingCiphertext {
            try sendAll(engine.takeCiphertext(), timeout: timeout)
        }
    }

    private func sendAll(_ bytes: [UInt8], timeout: Duration) throws(KubeClientError) {
        var offset = 0
        while offset < bytes.count {
            let socket = self.socket
            let attempt = bytes.withUnsafeBytes { raw -> Result<IOResult<Int>, SocketError> in
                do throws(SocketError) {
                    return .success(try socket.write(UnsafeRawBufferPointer(rebasing: raw[offset...])))
                } catch {
                    return .failure(error)
                }
            }
            let result: IOResult<Int>
            switch attempt {
            case .success(let r): result = r
            case .failure(let error): throw .socket(error)
            }
            switch result {
            case .done(let n): offset += n
            case .wouldBlock:
                try Self.wait(fd: socket.fd, events: Int16(POLLOUT), deadline: ContinuousClock.now + timeout, stop: stop, what: "write")
            }
        }
    }
}
