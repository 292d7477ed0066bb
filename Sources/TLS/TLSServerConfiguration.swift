/// Settings for a TLS server context (`--tls-cert`, `--tls-key`, `--tls-client-ca`).
public struct TLSServerConfiguration: Sendable, Equatable {
    /// PEM file holding the server certificate followed by any intermediates.
    public var certificatePath: String
    /// PEM file holding the private key (unencrypted; encrypted keys are rejected, never prompted).
    public var privateKeyPath: String
    /// PEM bundle of CAs trusted for client certificates. When set, a client certificate is
    /// required and verified (etcd's `RequireAndVerifyClientCert`).
    public var clientCAPath: String?
    /// ALPN protocols the server may select, in preference order. The first one the client also
    /// offers wins; when none matches, the handshake proceeds without ALPN.
    public var alpn: [String]

    public init(
        certificatePath: String,
        privateKeyPath: String,
        clientCAPath: String? = nil,
        alpn: [String] = ["h2", "http/1.1"]
    ) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.alpn = alpn
    }
}
