/// What a leaf certificate is for; sets its extendedKeyUsage (RFC 5280 §4.2.1.12).
public enum CertificateUsage: Sendable, Equatable {
    /// `serverAuth` (id-kp 1): a TLS server.
    case server
    /// `clientAuth` (id-kp 2): a TLS client (its CN is the etcd user name).
    case client
    /// Both purposes.
    case serverAndClient

    /// The OpenSSL configuration value of the extendedKeyUsage extension.
    var extendedKeyUsage: String {
        switch self {
        case .server: return "serverAuth"
        case .client: return "clientAuth"
        case .serverAndClient: return "serverAuth,clientAuth"
        }
    }
}
