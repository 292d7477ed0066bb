internal import COpenSSL

/// A certificate and private key, PEM encoded.
public struct IssuedCertificate: Sendable, Equatable {
    /// The certificate (`-----BEGIN CERTIFICATE-----`).
    public var certificatePEM: String
    /// The unencrypted PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`).
    public var privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}

/// A certificate authority that issues the Cluster Mesh certificates: generated here (self-signed,
/// as Helm's `genCA`) or loaded from an existing `cilium-ca` pair. Issued certificates are X.509 v3
/// with SHA-256 signatures, random 127-bit serials, subject/authority key identifiers, critical
/// basicConstraints and keyUsage, and the extendedKeyUsage of their `CertificateUsage`.
///
/// Immutable after creation; the OpenSSL objects are only read, so it may be shared.
public final class CertificateAuthority: @unchecked Sendable {
    /// Accepted validity periods, in days (100 years at most).
    public static let validityRange = 1...36_500
    /// Helm's default validity for the CA and the Cluster Mesh certificates.
    public static let defaultValidityDays = 1095
    /// The CA common name Helm and `cilium-certgen` use.
    public static let ciliumCACommonName = "Cilium CA"

    private let certificate: OpaquePointer
    private let privateKey: OpaquePointer
    /// The CA certificate (what goes into `ca.crt`).
    public let certificatePEM: String
    /// The CA private key (what goes into `ca.key`).
    public let privateKeyPEM: String
    /// The CA subject in RFC 2253 form, e.g. `CN=Cilium CA`.
    public let subject: String

    private init(certificate: OpaquePointer, privateKey: OpaquePointer) throws(CertificateError) {
        self.certificate = certificate
        self.privateKey = privateKey
        do throws(CertificateError) {
            certificatePEM = try CertificateFactory.pem(certificate: certificate)
            privateKeyPEM = try CertificateFactory.pem(privateKey: privateKey)
        } catch {
            X509_free(certificate)
            EVP_PKEY_free(privateKey)
            throw error
        }
        subject = CertificateFactory.subject(of: certificate)
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(privateKey)
    }

    /// Generates a new self-signed CA.
    public static func generate(
        commonName: String = ciliumCACommonName,
        validityDays: Int = defaultValidityDays,
        keyType: CertificateKeyType = .ecdsaP256
    ) throws(CertificateError) -> CertificateAuthority {
        let key = try CertificateFactory.generateKey(keyType)
        let certificate: OpaquePointer
        do throws(CertificateError) {
            let profile = CertificateFactory.Profile(
                commonName: commonName, isCA: true, usage: nil, altNames: [], validityDays: validityDays)
            certificate = try CertificateFactory.makeCertificate(profile, publicKey: key, issuer: nil, signingKey: key)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        return try CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Loads an existing CA (e.g. the `cilium-ca` secret's `ca.crt` and `ca.key`). The key must
    /// match the certificate and the certificate must be a CA.
    public static func load(certificatePEM: String, privateKeyPEM: String) throws(CertificateError) -> CertificateAuthority {
        let certificate = try CertificateFactory.readCertificate(pem: certificatePEM)
        let key: OpaquePointer
        do throws(CertificateError) {
            key = try CertificateFactory.readPrivateKey(pem: privateKeyPEM)
        } catch {
            X509_free(certificate)
            throw error
        }
        guard X509_check_private_key(certificate, key) == 1 else {
            ERR_clear_error()
            X509_free(certificate)
            EVP_PKEY_free(key)
            throw .keyDoesNotMatchCertificate
        }
        guard X509_check_ca(certificate) >= 1 else {
            let subject = CertificateFactory.subject(of: certificate)
            X509_free(certificate)
            EVP_PKEY_free(key)
            throw .notACertificateAuthority(subject: subject)
        }
        return try CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Issues a leaf certificate with a fresh key pair.
    public func issue(
        commonName: String,
        altNames: [CertificateAltName] = [],
        usage: CertificateUsage,
        validityDays: Int = defaultValidityDays,
        keyType: CertificateKeyType = .ecdsaP256
    ) throws(CertificateError) -> IssuedCertificate {
        let key = try CertificateFactory.generateKey(keyType)
        defer { EVP_PKEY_free(key) }
        let profile = CertificateFactory.Profile(
            commonName: commonName, isCA: false, usage: usage, altNames: altNames, validityDays: validityDays)
        let leaf = try CertificateFactory.makeCertificate(profile, publicKey: key, issuer: certificate, signingKey: privateKey)
        defer { X509_free(leaf) }
        return IssuedCertificate(
            certificatePEM: try CertificateFactory.pem(certificate: leaf),
            privateKeyPEM: try CertificateFactory.pem(privateKey: key))
    }
}
