internal import COpenSSL

extension TLSEngine {
    /// True once the handshake finished on this side.
    public var handshakeComplete: Bool {
        SSL_is_init_finished(ssl) == 1
    }

    /// The ALPN protocol selected in the handshake (e.g. `"h2"`), or nil when none was.
    public var negotiatedALPN: String? {
        var pointer: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &pointer, &length)
        guard let pointer, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(length)), as: UTF8.self)
    }

    /// Negotiated protocol version, e.g. `"TLSv1.3"`; nil before the handshake completes.
    public var negotiatedProtocolVersion: String? {
        guard handshakeComplete, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// Negotiated cipher suite in OpenSSL naming, e.g. `"TLS_AES_128_GCM_SHA256"` or
    /// `"ECDHE-RSA-AES128-GCM-SHA256"`; nil before the handshake completes.
    public var negotiatedCipherSuite: String? {
        guard handshakeComplete, let cipher = SSL_get_current_cipher(ssl),
              let name = SSL_CIPHER_get_name(cipher) else { return nil }
        return String(cString: name)
    }
}
