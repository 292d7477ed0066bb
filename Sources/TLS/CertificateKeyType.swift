/// The key algorithm of a generated key pair.
public enum CertificateKeyType: String, Sendable, CaseIterable {
    /// ECDSA on NIST P-256 (prime256v1), signed with SHA-256 (the default).
    case ecdsaP256 = "ecdsa"
    /// RSA, 2048-bit modulus, signed with SHA-256 (PKCS#1 v1.5).
    case rsa2048 = "rsa"
}
