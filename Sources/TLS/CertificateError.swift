/// Why a certificate could not be generated, loaded or issued. Carries the offending values and,
/// for OpenSSL failures, the drained OpenSSL error queue.
public enum CertificateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A subject common name that is empty, longer than 64 bytes (X.520 `ub-common-name`), or
    /// holds characters outside printable ASCII.
    case invalidCommonName(String)
    /// A subjectAltName that is neither an IP literal nor a DNS name (RFC 1035 letters, digits,
    /// '-', '.', an optional leading '*.' label; at most 253 bytes).
    case invalidAltName(String)
    /// A validity outside `CertificateAuthority.validityRange`.
    case invalidValidity(days: Int)
    /// A PEM input that holds no certificate or no private key (`what` says which).
    case unreadablePEM(what: String, openSSLErrors: [String])
    /// The private key given for a CA does not belong to its certificate.
    case keyDoesNotMatchCertificate
    /// The certificate given as a CA is not one (no `basicConstraints CA:TRUE`).
    case notACertificateAuthority(subject: String)
    /// An OpenSSL call failed; `step` names it.
    case openSSL(step: String, openSSLErrors: [String])

    public var description: String {
        switch self {
        case .invalidCommonName(let name): return "invalid common name \"\(name)\""
        case .invalidAltName(let name): return "invalid subjectAltName \"\(name)\" (want a DNS name or an IP address)"
        case .invalidValidity(let days): return "invalid validity of \(days) days"
        case .unreadablePEM(let what, let errors): return "no \(what) in PEM input" + Self.suffix(errors)
        case .keyDoesNotMatchCertificate: return "the CA private key does not match the CA certificate"
        case .notACertificateAuthority(let subject): return "certificate \"\(subject)\" is not a CA (basicConstraints CA:TRUE missing)"
        case .openSSL(let step, let errors): return "OpenSSL: \(step) failed" + Self.suffix(errors)
        }
    }

    private static func suffix(_ errors: [String]) -> String {
        errors.isEmpty ? "" : " [\(errors.joined(separator: "; "))]"
    }

    /// Builds an `.openSSL` error from the calling thread's OpenSSL error queue, draining it.
    static func drained(_ step: String) -> CertificateError {
        .openSSL(step: step, openSSLErrors: TLSError.drainOpenSSLErrors())
    }
}
