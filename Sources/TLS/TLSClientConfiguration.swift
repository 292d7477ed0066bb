/// Settings for a TLS client context (e.g. the Kubernetes API client).
public struct TLSClientConfiguration: Sendable, Equatable {
    /// PEM bundle of CAs trusted for the server certificate.
    public var caPath: String?
    /// PEM CA certificates given in memory (e.g. from a kubeconfig); added to `caPath`'s.
    public var caPEM: [UInt8]?
    /// Optional client certificate chain (PEM) for mTLS; requires `privateKeyPath`.
    public var certificatePath: String?
    /// Optional private key (PEM) matching `certificatePath`.
    public var privateKeyPath: String?
    /// Host name or IP literal: sent as SNI (host names only, RFC 6066 §3) and checked against
    /// the server certificate's subjectAltName.
    public var serverName: String?
    /// ALPN protocols offered, in preference order; empty offers none.
    public var alpn: [String]
    /// Skip server certificate verification (testing only).
    public var insecureSkipVerify: Bool
    /// Lowest protocol version offered.
    public var minimumVersion: TLSVersion
    /// Highest protocol version offered; `nil` means the newest supported.
    public var maximumVersion: TLSVersion?

    public init(
        caPath: String? = nil,
        caPEM: [UInt8]? = nil,
        certificatePath: String? = nil,
        privateKeyPath: String? = nil,
        serverName: String? = nil,
        alpn: [String] = ["http/1.1"],
        insecureSkipVerify: Bool = false,
        minimumVersion: TLSVersion = .tls12,
        maximumVersion: TLSVersion? = nil
    ) {
        self.caPath = caPath
        self.caPEM = caPEM
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.serverName = serverName
        self.alpn = alpn
        self.insecureSkipVerify = insecureSkipVerify
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
    }
}
