internal import COpenSSL

extension SSLContextHandle {
    /// Builds a server context from the files named in `configuration` (read now, once).
    static func makeServer(_ configuration: TLSServerConfiguration) throws(TLSError) -> SSLContextHandle {
        let alpn = try alpnNames(configuration.alpn)
        let context = try makeBaseContext(server: true, minimum: .tls12, maximum: nil)
        do throws(TLSError) {
            try loadIdentity(
                context,
                certificatePath: configuration.certificatePath,
                privateKeyPath: configuration.privateKeyPath
            )
            if let caPath = configuration.clientCAPath {
                try requireClientCertificates(context, caPath: caPath)
            }
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        let handle = SSLContextHandle(
            context: context, isServer: true, alpnPreferences: alpn, serverName: nil, verifiesPeer: configuration.clientCAPath != nil
        )
        if !alpn.isEmpty {
            SSL_CTX_set_alpn_select_cb(context, alpnSelectCallback, Unmanaged.passUnretained(handle).toOpaque())
        }
        return handle
    }

    /// mTLS: trust `caPath` for client chains, advertise its subjects in CertificateRequest, and
    /// fail the handshake when the client sends no certificate or one that does not verify.
    private static func requireClientCertificates(_ context: OpaquePointer, caPath: String) throws(TLSError) {
        guard SSL_CTX_load_verify_locations(context, caPath, nil) == 1 else {
            throw TLSError.drained(.configuration, "load client CA \(caPath)")
        }
        guard let names = SSL_load_client_CA_file(caPath) else {
            throw TLSError.drained(.configuration, "read client CA names from \(caPath)")
        }
        SSL_CTX_set_client_CA_list(context, names)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
    }

    /// Picks the first of `preferences` that appears in the client's ALPN list `offered` (the
    /// wire-format ProtocolNameList body, RFC 7301 §3.1). Returns the range of the chosen name
    /// inside `offered`, or nil when nothing matches or the list is malformed.
    static func selectALPN(preferences: [[UInt8]], offered: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        for preferred in preferences {
            var index = 0
            while index < offered.count {
                let length = Int(offered[index])
                let start = index + 1
                let end = start + length
                guard length > 0, end <= offered.count else { return nil }
                if length == preferred.count && offered[start..<end].elementsEqual(preferred) {
                    return start..<end
                }
                index = end
            }
        }
        return nil
    }
}

/// ALPN select callback (RFC 7301 §3.2). Selecting nothing returns `SSL_TLSEXT_ERR_NOACK`: the
/// handshake continues without ALPN instead of failing with `no_application_protocol`, so clients
/// that offer only unknown protocols (or only HTTP/1.x variants we do not list) still connect.
private func alpnSelectCallback(
    _ ssl: OpaquePointer?,
    _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?,
    _ input: UnsafePointer<UInt8>?,
    _ inputLength: UInt32,
    _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let out, let outLength, let input, let argument else { return SSL_TLSEXT_ERR_NOACK }
    let handle = Unmanaged<SSLContextHandle>.fromOpaque(argument).takeUnretainedValue()
    let offered = UnsafeBufferPointer(start: input, count: Int(inputLength))
    guard let range = SSLContextHandle.selectALPN(preferences: handle.alpnPreferences, offered: offered) else {
        return SSL_TLSEXT_ERR_NOACK
    }
    // The selected name points into the client's list, which OpenSSL keeps for the callback's
    // duration and copies on return.
    out.pointee = input + range.lowerBound
    outLength.pointee = UInt8(range.count)
    return SSL_TLSEXT_ERR_OK
}
