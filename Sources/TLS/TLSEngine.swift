internal import COpenSSL

/// One TLS connection as a pure byte transformer over two OpenSSL memory BIOs: ciphertext from
/// the socket goes in with `feed`, plaintext comes out of `readPlaintext`, plaintext to send goes
/// in with `writePlaintext`, and ciphertext for the socket comes out of `takeCiphertext`.
/// No I/O, no threads, no timers.
///
/// Driving it: after every `feed` (and once right after creation on a client, to emit the
/// ClientHello) call `readPlaintext`, which also advances the handshake; then send whatever
/// `takeCiphertext` returns. Calls to `writePlaintext` made before the handshake completes are
/// buffered and flushed by the `readPlaintext` call that completes it.
///
/// Memory: the inbound BIO holds exactly what was fed and not yet decrypted, so the owner must
/// feed at most what it reads from the socket per step and call `readPlaintext` before feeding
/// more; the outbound BIO holds what `takeCiphertext` has not drained yet, so the owner must
/// drain it after each step (and stop reading from its peer while its socket cannot keep up).
/// Plaintext buffered before the handshake is capped at `maximumPendingPlaintext`.
///
/// Not thread-safe: one engine per connection, used from one queue/thread at a time.
/// After a failure the engine stays failed (every call rethrows the same error); the alert
/// OpenSSL queued is still available from `takeCiphertext` and should be sent before closing.
public final class TLSEngine {
    /// Outcome of `readPlaintext`.
    public enum ReadStatus: Equatable, Sendable {
        /// Plaintext was appended.
        case ok
        /// No plaintext yet: feed more ciphertext (after sending `takeCiphertext()`).
        case wantMore
        /// The peer sent close_notify; no more plaintext will arrive.
        case closed
    }

    /// Upper bound on plaintext buffered by `writePlaintext` while the handshake is in progress.
    public static let maximumPendingPlaintext = 16 << 20
    /// Size of one `SSL_read_ex` step; one TLS record carries at most 16 KiB (RFC 8446 §5.1).
    static let readChunk = 16 * 1024

    let handle: SSLContextHandle
    let ssl: OpaquePointer
    private let networkIn: OpaquePointer
    private let networkOut: OpaquePointer
    private var pendingPlaintext: [UInt8] = []
    private var scratch: [UInt8]
    private var failure: TLSError?
    private var receivedCloseNotify = false
    private var shutdownQueued = false

    init(handle: SSLContextHandle, serverName: String? = nil) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(handle.context) else {
            throw TLSError.drained(.setup, "SSL_new failed")
        }
        guard let input = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.drained(.setup, "BIO_new failed")
        }
        guard let output = BIO_new(BIO_s_mem()) else {
            BIO_free(input)
            SSL_free(ssl)
            throw TLSError.drained(.setup, "BIO_new failed")
        }
        // An empty memory BIO means "retry later", never end of stream.
        _ = shim_BIO_set_mem_eof_return(input, -1)
        _ = shim_BIO_set_mem_eof_return(output, -1)
        SSL_set_bio(ssl, input, output)  // ssl now owns both BIOs
        self.handle = handle
        self.ssl = ssl
        self.networkIn = input
        self.networkOut = output
        self.scratch = [UInt8](repeating: 0, count: Self.readChunk)
        if handle.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName {
                try applyServerName(serverName)
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// Client: SNI for host names (RFC 6066 §3 forbids IP literals there) and the name or IP the
    /// server certificate must match when verification is on.
    private func applyServerName(_ name: String) throws(TLSError) {
        if let address = a2i_IPADDRESS(name) {
            ASN1_OCTET_STRING_free(address)
            if handle.verifiesPeer {
                guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                    throw TLSError.drained(.setup, "set expected IP address \(name)")
                }
            }
            return
        }
        ERR_clear_error()
        guard shim_SSL_set_tlsext_host_name(ssl, name) == 1 else {
            throw TLSError.drained(.setup, "set SNI \(name)")
        }
        if handle.verifiesPeer {
            guard SSL_set1_host(ssl, name) == 1 else {
                throw TLSError.drained(.setup, "set expected host name \(name)")
            }
        }
    }

    /// Appends ciphertext received from the socket. See the type's note on memory bounds.
    public func feed(_ ciphertext: ArraySlice<UInt8>) {
        var remaining = ciphertext[...]
        while !remaining.isEmpty {
            let step = min(remaining.count, Int(Int32.max))
            let written = remaining.withUnsafeBytes { BIO_write(networkIn, $0.baseAddress, Int32(step)) }
            guard written > 0 else { return }  // allocation failure: the handshake/read will fail
            remaining = remaining.dropFirst(Int(written))
        }
    }

    /// Advances the handshake and appends all plaintext decryptable from what was fed so far.
    public func readPlaintext(into out: inout [UInt8]) throws(TLSError) -> ReadStatus {
        if let failure { throw failure }
        if receivedCloseNotify { return .closed }
        ERR_clear_error()
        if SSL_is_init_finished(ssl) == 0 {
            let result = SSL_do_handshake(ssl)
            if result != 1 {
                let code = SSL_get_error(ssl, result)
                if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
                    return .wantMore
                }
                throw fail("handshake")
            }
            try flushPendingPlaintext()
        }
        var produced = 0
        while true {
            var count = 0
            let result = scratch.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
            if result == 1 {
                out.append(contentsOf: scratch[0..<count])
                produced += count
                continue
            }
            let code = SSL_get_error(ssl, result)
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
                break
            }
            if code == SSL_ERROR_ZERO_RETURN {
                receivedCloseNotify = true
                return produced > 0 ? .ok : .closed
            }
            throw fail("read")
        }
        return produced > 0 ? .ok : .wantMore
    }

    /// Encrypts `bytes` into the outbound buffer, or buffers them until the handshake completes.
    public func writePlaintext(_ bytes: ArraySlice<UInt8>) throws(TLSError) {
        if let failure { throw failure }
        if shutdownQueued { throw TLSError(kind: .closed, reason: "write after shutdown") }
        guard !bytes.isEmpty else { return }
        if !pendingPlaintext.isEmpty || SSL_is_init_finished(ssl) == 0 {
            guard pendingPlaintext.count + bytes.count <= Self.maximumPendingPlaintext else {
                throw TLSError(
                    kind: .bufferLimitExceeded,
                    reason: "\(pendingPlaintext.count + bytes.count) plaintext bytes buffered, limit \(Self.maximumPendingPlaintext)"
                )
            }
            pendingPlaintext.append(contentsOf: bytes)
            if SSL_is_init_finished(ssl) == 1 {
                try flushPendingPlaintext()
            }
            return
        }
        let written = try write(bytes)
        if written < bytes.count {
            pendingPlaintext.append(contentsOf: bytes.dropFirst(written))
        }
    }

    /// Drains the ciphertext produced so far (handshake records, application data, alerts).
    public func takeCiphertext() -> [UInt8] {
        let pending = shim_BIO_pending(networkOut)
        guard pending > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: pending) { buffer, initialized in
            var count = 0
            if BIO_read_ex(networkOut, buffer.baseAddress, pending, &count) != 1 {
                count = 0
            }
            initialized = count
        }
    }

    /// Whether `takeCiphertext()` would return bytes.
    public var hasPendingCiphertext: Bool {
        shim_BIO_pending(networkOut) > 0
    }

    /// Queues close_notify (after any buffered plaintext). Further writes throw `.closed`.
    /// Before the handshake completes there is nothing to send; the owner just closes.
    public func shutdown() {
        guard !shutdownQueued else { return }
        shutdownQueued = true
        guard failure == nil, SSL_is_init_finished(ssl) == 1 else { return }
        ERR_clear_error()
        try? flushPendingPlaintext()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    // MARK: - Internals

    private func flushPendingPlaintext() throws(TLSError) {
        guard !pendingPlaintext.isEmpty else { return }
        let written = try write(pendingPlaintext[...])
        pendingPlaintext.removeFirst(written)
    }

    /// Writes as much of `bytes` as OpenSSL accepts; returns the count taken.
    private func write(_ bytes: ArraySlice<UInt8>) throws(TLSError) -> Int {
        ERR_clear_error()
        var offset = 0
        while offset < bytes.count {
            var count = 0
            let result = bytes.withUnsafeBytes { raw in
                SSL_write_ex(ssl, raw.baseAddress.map { $0 + offset }, raw.count - offset, &count)
            }
            if result == 1 {
                offset += count
                continue
            }
            let code = SSL_get_error(ssl, result)
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
                break
            }
            throw fail("write")
        }
        return offset
    }

    /// Records the engine as failed with the drained OpenSSL queue and the verification result.
    private func fail(_ operation: String) -> TLSError {
        var reason = operation + " failed"
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
            reason += ": " + String(cString: text)
        }
        let kind: TLSError.Kind = SSL_is_init_finished(ssl) == 1 ? .protocolError : .handshake
        let error = TLSError.drained(kind, reason)
        failure = error
        return error
    }
}
