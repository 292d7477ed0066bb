import Dispatch
import HTTP2
import Sockets
import TLS

extension EtcdConnection {
    /// Bytes read per readiness event before yielding the queue to other connections.
    static let readBudget = 1 << 20
    static let readChunk = 64 * 1024

    // MARK: Reading

    func onReadable() {
        guard let socket, phase != .closed else { return }
        var budget = Self.readBudget
        var buffer = [UInt8](repeating: 0, count: Self.readChunk)
        while budget > 0, phase != .closed {
            let result: IOResult<Int>
            do {
                result = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
            } catch {
                close(.unavailable("read from \(endpoint.authority): \(error)"))
                return
            }
            switch result {
            case .wouldBlock:
                budget = 0
            case .done(0):
                close(.unavailable("connection to \(endpoint.authority) closed by the server"))
                return
            case .done(let count):
                budget -= count
                lastReadAt = .now()
                if tls != nil {
                    decrypt(buffer[0..<count])
                } else {
                    received(buffer[0..<count])
                }
            }
        }
        flush()
    }

    /// Ciphertext from the socket → plaintext for HTTP/2. The handshake's end is where ALPN is
    /// checked: grpc-go refuses a server that did not select `h2`.
    private func decrypt(_ ciphertext: ArraySlice<UInt8>) {
        guard let tls else { return }
        tls.feed(ciphertext)
        var plaintext: [UInt8] = []
        while phase != .closed {
            plaintext.removeAll(keepingCapacity: true)
            let status: TLSEngine.ReadStatus
            do {
                status = try tls.readPlaintext(into: &plaintext)
            } catch {
                output.append(contentsOf: tls.takeCiphertext())
                flushOutput()
                close(.tls("handshake with \(endpoint.authority) failed: \(error)"))
                return
            }
            if !tlsEstablished && tls.handshakeComplete {
                tlsEstablished = true
                guard tls.negotiatedALPN == "h2" else {
                    close(.tls("\(endpoint.authority): credentials: cannot check peer: missing selected ALPN property"))
                    return
                }
            }
            if !plaintext.isEmpty { received(plaintext[...]) }
            switch status {
            case .ok:
                continue
            case .wantMore:
                output.append(contentsOf: tls.takeCiphertext())
                return
            case .closed:
                close(.unavailable("connection to \(endpoint.authority) closed by the server (TLS close_notify)"))
                return
            }
        }
    }

    private func received(_ bytes: ArraySlice<UInt8>) {
        guard phase == .handshaking || phase == .ready else { return }
        handle(h2.receive(bytes))
    }

    // MARK: Writing

    /// HTTP/2 output → (TLS →) socket.
    func flush() {
        guard phase != .closed else { return }
        let bytes = h2.takeOutput()
        if !bytes.isEmpty {
            if let tls {
                do {
                    try tls.writePlaintext(bytes[...])
                } catch {
                    close(.tls("write to \(endpoint.authority): \(error)"))
                    return
                }
            } else {
                output.append(contentsOf: bytes)
            }
        }
        if let tls { output.append(contentsOf: tls.takeCiphertext()) }
        flushOutput()
        if phase != .closed, h2.isClosed {
            let error = h2.connectionError.map { EtcdClientError.unavailable("HTTP/2 connection error: \($0.reason)") }
            close(error ?? .unavailable("connection to \(endpoint.authority) finished (GOAWAY)"))
        }
    }

    /// Writes queued bytes until the kernel pushes back, then waits for writability.
    func flushOutput() {
        guard let socket else { return }
        while outputOffset < output.count {
            let result: IOResult<Int>
            do {
                result = try output.withUnsafeBytes { raw in
                    try socket.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
                }
            } catch {
                close(.unavailable("write to \(endpoint.authority): \(error)"))
                return
            }
            switch result {
            case .wouldBlock:
                setWriteInterest(true)
                return
            case .done(let count):
                outputOffset += count
            }
        }
        output.removeAll(keepingCapacity: output.count <= 256 * 1024)
        outputOffset = 0
        if phase != .connecting { setWriteInterest(false) }
    }

    func onWritable() {
        if phase == .connecting {
            if let error = socket?.connectResult() {
                lastConnectError = .unavailable("connect to \(addresses[addressIndex - 1]): \(error)")
                teardownSocket()
                connectNext()
                return
            }
            connected()
            return
        }
        flushOutput()
    }
}
