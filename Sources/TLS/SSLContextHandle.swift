internal import COpenSSL

/// Owns one `SSL_CTX` plus the data its callbacks read. Immutable after construction, so it can
/// be shared between threads; OpenSSL allows `SSL_new` on a shared, no-longer-mutated context.
/// Engines keep a strong reference so a context swapped out by a reload lives as long as the
/// connections created from it.
final class SSLContextHandle: @unchecked Sendable {
    let context: OpaquePointer
    /// Server: ALPN protocols the server may select, in preference order.
    let alpnPreferences: [[UInt8]]
    let isServer: Bool
    /// Client: host name or IP literal checked against the peer certificate (and SNI).
    let serverName: String?
    /// Client: whether peer verification is enforced.
    let verifiesPeer: Bool

    init(context: OpaquePointer, isServer: Bool, alpnPreferences: [[UInt8]], serverName: String?, verifiesPeer: Bool) {
        self.context = context
        self.isServer = isServer
        self.alpnPreferences = alpnPreferences
        self.serverName = serverName
        self.verifiesPeer = verifiesPeer
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// ECDHE key exchange with AEAD ciphers only for TLS 1.2 (RFC 7540 Appendix A blacklist
    /// excluded; matches Go's defaults). TLS 1.3 suites stay at OpenSSL's defaults (all AEAD).
    static let tls12CipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Creates a context with the settings shared by client and server: version floor, cipher
    /// list, no renegotiation/compression/tickets/session cache, memory-BIO friendly modes, and a
    /// password callback that refuses (a daemon must never prompt on a terminal).
    static func makeBaseContext(server: Bool, minimum: TLSVersion, maximum: TLSVersion?) throws(TLSError) -> OpaquePointer {
        ERR_clear_error()
        guard let method = server ? TLS_server_method() : TLS_client_method(),
              let context = SSL_CTX_new(method) else {
            throw TLSError.drained(.setup, "SSL_CTX_new failed")
        }
        do throws(TLSError) {
            guard shim_SSL_CTX_set_min_proto_version(context, protocolNumber(minimum)) == 1 else {
                throw TLSError.drained(.setup, "set minimum protocol version")
            }
            if let maximum {
                guard shim_SSL_CTX_set_max_proto_version(context, protocolNumber(maximum)) == 1 else {
                    throw TLSError.drained(.setup, "set maximum protocol version")
                }
            }
            guard SSL_CTX_set_cipher_list(context, tls12CipherList) == 1 else {
                throw TLSError.drained(.setup, "set TLS 1.2 cipher list")
            }
            var options = shim_SSL_OP_NO_COMPRESSION() | shim_SSL_OP_NO_RENEGOTIATION() | shim_SSL_OP_NO_TICKET()
            if server {
                options |= shim_SSL_OP_CIPHER_SERVER_PREFERENCE()
            }
            _ = SSL_CTX_set_options(context, options)
            _ = shim_SSL_CTX_set_mode(
                context,
                Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS)
            )
            // No resumption: every connection gets a full handshake, so a rotated client CA or
            // certificate applies to every new connection.
            _ = shim_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
            _ = SSL_CTX_set_num_tickets(context, 0)
            SSL_CTX_set_default_passwd_cb(context, { _, _, _, _ in 0 })
            return context
        } catch {
            SSL_CTX_free(context)
            throw error
        }
    }

    static func protocolNumber(_ version: TLSVersion) -> Int32 {
        switch version {
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }

    /// Loads a PEM certificate chain and its private key and checks that they match.
    static func loadIdentity(_ context: OpaquePointer, certificatePath: String, privateKeyPath: String) throws(TLSError) {
        guard SSL_CTX_use_certificate_chain_file(context, certificatePath) == 1 else {
            throw TLSError.drained(.configuration, "load certificate chain \(certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.drained(.configuration, "load private key \(privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError.drained(.configuration, "private key \(privateKeyPath) does not match certificate \(certificatePath)")
        }
    }

    /// Adds every certificate of a PEM bundle held in memory to the context's trust store.
    static func addTrustedPEM(_ context: OpaquePointer, _ pem: [UInt8]) throws(TLSError) {
        guard pem.count <= Int(Int32.max), let store = SSL_CTX_get_cert_store(context) else {
            throw TLSError(kind: .configuration, reason: "CA PEM unusable (\(pem.count) bytes)")
        }
        let bio: OpaquePointer? = pem.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw TLSError.drained(.setup, "BIO_new_mem_buf failed") }
        defer { BIO_free(bio) }
        var added = 0
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            let ok = X509_STORE_add_cert(store, certificate)
            X509_free(certificate)
            guard ok == 1 else { throw TLSError.drained(.configuration, "add CA certificate #\(added + 1)") }
            added += 1
        }
        // Reading past the last certificate leaves a "no start line" entry: expected, discard it.
        ERR_clear_error()
        guard added > 0 else {
            throw TLSError(kind: .configuration, reason: "CA PEM contains no certificate")
        }
    }

    /// Encodes ALPN protocol names as length-prefixed byte strings (RFC 7301 §3.1: each name
    /// 1...255 bytes).
    static func alpnNames(_ names: [String]) throws(TLSError) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for name in names {
            let bytes = Array(name.utf8)
            guard (1...255).contains(bytes.count) else {
                throw TLSError(kind: .setup, reason: "invalid ALPN protocol name of \(bytes.count) bytes")
            }
            result.append(bytes)
        }
        return result
    }

    static func alpnWire(_ names: [[UInt8]]) -> [UInt8] {
        var wire: [UInt8] = []
        for name in names {
            wire.append(UInt8(name.count))
            wire.append(contentsOf: name)
        }
        return wire
    }
}
