internal import COpenSSL

/// An error raised by the TLS layer: what failed (`kind`), a short human reason, and the OpenSSL
/// error queue drained at the time of the failure (most useful for handshake failures, e.g.
/// `"peer did not return a certificate"` or `"certificate verify failed"`).
public struct TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The phase or facility that failed.
    public enum Kind: Equatable, Sendable {
        /// A certificate, key or CA file could not be read or parsed, or they do not match.
        case configuration
        /// OpenSSL refused a setting (cipher list, protocol version, ALPN list...).
        case setup
        /// The handshake failed (alert sent or received, verification failure, no shared cipher).
        case handshake
        /// A TLS record error after the handshake (bad MAC, unexpected message, peer alert).
        case protocolError
        /// The owner buffered more plaintext than `TLSEngine.maximumPendingPlaintext` before the
        /// handshake completed.
        case bufferLimitExceeded
        /// `writePlaintext` after `shutdown()` or after the peer's close_notify.
        case closed
    }

    public let kind: Kind
    /// A short description of what failed, e.g. `"load certificate chain /etc/tls/tls.crt"`.
    public let reason: String
    /// The OpenSSL error queue, oldest first, as `ERR_error_string_n` strings.
    public let openSSLErrors: [String]

    public init(kind: Kind, reason: String, openSSLErrors: [String] = []) {
        self.kind = kind
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        if openSSLErrors.isEmpty {
            return "TLS \(kind): \(reason)"
        }
        return "TLS \(kind): \(reason) [\(openSSLErrors.joined(separator: "; "))]"
    }

    /// Whether any drained OpenSSL error string contains `fragment` (e.g. "certificate verify failed").
    public func mentions(_ fragment: String) -> Bool {
        reason.contains(fragment) || openSSLErrors.contains { $0.contains(fragment) }
    }
}

extension TLSError {
    /// Builds an error from the calling thread's OpenSSL error queue, draining it.
    static func drained(_ kind: Kind, _ reason: String) -> TLSError {
        TLSError(kind: kind, reason: reason, openSSLErrors: drainOpenSSLErrors())
    }

    /// Empties the calling thread's OpenSSL error queue and returns its entries, oldest first.
    /// At most 16 entries are kept so a pathological queue cannot grow the error without bound.
    static func drainOpenSSLErrors() -> [String] {
        var result: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if result.count >= 16 { continue }
            let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
                guard let base = pointer.baseAddress else { return "error \(code)" }
                ERR_error_string_n(code, base, pointer.count)
                return String(cString: base)
            }
            result.append(text)
        }
        return result
    }
}
