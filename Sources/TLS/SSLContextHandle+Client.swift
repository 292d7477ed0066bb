internal import COpenSSL

extension SSLContextHandle {
    /// Builds a client context: trust anchors, optional client identity, ALPN offer.
    static func makeClient(_ configuration: TLSClientConfiguration) throws(TLSError) -> SSLContextHandle {
        let alpn = try alpnNames(configuration.alpn)
        let wire = alpnWire(alpn)
        guard wire.count <= 65535 else {
            throw TLSError(kind: .setup, reason: "ALPN list too long (\(wire.count) bytes)")
        }
        let context = try makeBaseContext(
            server: false, minimum: configuration.minimumVersion, maximum: configuration.maximumVersion
        )
        do throws(TLSError) {
            try configureClient(context, configuration, alpnWire: wire)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        return SSLContextHandle(
            context: context, isServer: false, alpnPreferences: alpn,
            serverName: configuration.serverName, verifiesPeer: !configuration.insecureSkipVerify
        )
    }

    private static func configureClient(
        _ context: OpaquePointer, _ configuration: TLSClientConfiguration, alpnWire: [UInt8]
    ) throws(TLSError) {
        if configuration.insecureSkipVerify {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
        if let caPath = configuration.caPath {
            guard SSL_CTX_load_verify_locations(context, caPath, nil) == 1 else {
                throw TLSError.drained(.configuration, "load CA \(caPath)")
            }
        }
        if let caPEM = configuration.caPEM {
            try addTrustedPEM(context, caPEM)
        }
        if configuration.caPath == nil && configuration.caPEM == nil && !configuration.insecureSkipVerify {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw TLSError.drained(.configuration, "load system trust store")
            }
        }
        switch (configuration.certificatePath, configuration.privateKeyPath) {
        case let (certificate?, key?):
            try loadIdentity(context, certificatePath: certificate, privateKeyPath: key)
        case (nil, nil):
            break
        default:
            throw TLSError(kind: .configuration, reason: "client certificate and private key must be given together")
        }
        if !alpnWire.isEmpty {
            // Note the inverted convention: 0 means success for this call.
            let status = alpnWire.withUnsafeBufferPointer {
                SSL_CTX_set_alpn_protos(context, $0.baseAddress, UInt32($0.count))
            }
            guard status == 0 else { throw TLSError.drained(.setup, "set ALPN protocols") }
        }
    }
}
