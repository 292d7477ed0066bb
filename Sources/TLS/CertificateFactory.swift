internal import COpenSSL

/// The OpenSSL steps behind `CertificateAuthority`: key generation, building and signing X.509 v3
/// certificates, and PEM encoding/decoding. Every returned `OpaquePointer` is owned by the caller
/// (`X509_free` / `EVP_PKEY_free`).
enum CertificateFactory {
    /// Certificates are back-dated by this much so a peer whose clock lags a little accepts them.
    static let backdateSeconds = 300
    /// Largest PEM input read (a CA bundle is a few KB).
    static let maximumPEMBytes = 1 << 20

    /// What to put into one certificate.
    struct Profile {
        var commonName: String
        var isCA: Bool
        var usage: CertificateUsage?
        var altNames: [CertificateAltName]
        var validityDays: Int
    }

    // MARK: keys

    static func generateKey(_ type: CertificateKeyType) throws(CertificateError) -> OpaquePointer {
        ERR_clear_error()
        let algorithm = type == .ecdsaP256 ? "EC" : "RSA"
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw .drained("EVP_PKEY_CTX_new_from_name(\(algorithm))")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw .drained("EVP_PKEY_keygen_init") }
        switch type {
        case .ecdsaP256:
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else { throw .drained("set EC group P-256") }
        case .rsa2048:
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048) == 1 else { throw .drained("set RSA bits") }
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else { throw .drained("EVP_PKEY_generate") }
        return key
    }

    // MARK: certificates

    /// Builds and signs a certificate for `publicKey`. With `issuer == nil` it is self-signed
    /// (issuer name = subject name, authority key id = its own subject key id).
    static func makeCertificate(
        _ profile: Profile, publicKey: OpaquePointer, issuer: OpaquePointer?, signingKey: OpaquePointer
    ) throws(CertificateError) -> OpaquePointer {
        try validate(commonName: profile.commonName)
        guard CertificateAuthority.validityRange.contains(profile.validityDays) else {
            throw .invalidValidity(days: profile.validityDays)
        }
        let sanValues = try profile.altNames.map { name throws(CertificateError) in try name.configurationValue() }
        ERR_clear_error()
        guard let certificate = X509_new() else { throw .drained("X509_new") }
        do throws(CertificateError) {
            // RFC 5280 §4.1.2.1: extensions require version 3 (encoded as 2).
            guard X509_set_version(certificate, 2) == 1 else { throw .drained("X509_set_version") }
            try setRandomSerial(certificate)
            guard X509_gmtime_adj(X509_getm_notBefore(certificate), -backdateSeconds) != nil,
                  X509_time_adj_ex(X509_getm_notAfter(certificate), Int32(profile.validityDays), 0, nil) != nil else {
                throw .drained("set validity")
            }
            try setSubject(certificate, commonName: profile.commonName)
            let issuerName = issuer.map { X509_get_subject_name($0) } ?? X509_get_subject_name(certificate)
            guard X509_set_issuer_name(certificate, issuerName) == 1 else { throw .drained("X509_set_issuer_name") }
            guard X509_set_pubkey(certificate, publicKey) == 1 else { throw .drained("X509_set_pubkey") }

            var extensions: [(Int32, String)] = []
            if profile.isCA {
                extensions.append((NID_basic_constraints, "critical,CA:TRUE"))
                extensions.append((NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"))
            } else {
                extensions.append((NID_basic_constraints, "critical,CA:FALSE"))
                let rsa = EVP_PKEY_get_base_id(publicKey) == EVP_PKEY_RSA
                extensions.append((NID_key_usage, rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"))
            }
            if let usage = profile.usage {
                extensions.append((NID_ext_key_usage, usage.extendedKeyUsage))
            }
            extensions.append((NID_subject_key_identifier, "hash"))
            extensions.append((NID_authority_key_identifier, "keyid:always"))
            if !sanValues.isEmpty {
                extensions.append((NID_subject_alt_name, sanValues.joined(separator: ",")))
            }
            for (nid, value) in extensions {
                try addExtension(certificate, issuer: issuer ?? certificate, nid: nid, value: value)
            }
            guard X509_sign(certificate, signingKey, EVP_sha256()) > 0 else { throw .drained("X509_sign") }
            return certificate
        } catch {
            X509_free(certificate)
            throw error
        }
    }

    static func validate(commonName: String) throws(CertificateError) {
        let bytes = Array(commonName.utf8)
        guard (1...64).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .invalidCommonName(commonName)
        }
    }

    /// A random positive serial of 127 bits: at most 20 octets (RFC 5280 §4.1.2.2) with enough
    /// entropy that two certificates of one CA never share one.
    private static func setRandomSerial(_ certificate: OpaquePointer) throws(CertificateError) {
        guard let number = BN_new() else { throw .drained("BN_new") }
        defer { BN_free(number) }
        guard BN_rand(number, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 else { throw .drained("BN_rand") }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil else {
            throw .drained("set serial number")
        }
    }

    private static func setSubject(_ certificate: OpaquePointer, commonName: String) throws(CertificateError) {
        guard let name = X509_NAME_new() else { throw .drained("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        let bytes = Array(commonName.utf8)
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
            throw .drained("add subject CN")
        }
        guard X509_set_subject_name(certificate, name) == 1 else { throw .drained("X509_set_subject_name") }
    }

    private static func addExtension(
        _ certificate: OpaquePointer, issuer: OpaquePointer, nid: Int32, value: String
    ) throws(CertificateError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer, certificate, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw .drained("extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(certificate, ext, -1) == 1 else { throw .drained("X509_add_ext") }
    }

    // MARK: PEM

    static func pem(certificate: OpaquePointer) throws(CertificateError) -> String {
        try writePEM("PEM_write_bio_X509") { PEM_write_bio_X509($0, certificate) }
    }

    /// PKCS#8 `PRIVATE KEY` PEM, unencrypted (what Kubernetes TLS secrets and Go's
    /// `tls.X509KeyPair` expect).
    static func pem(privateKey: OpaquePointer) throws(CertificateError) -> String {
        try writePEM("PEM_write_bio_PrivateKey") { PEM_write_bio_PrivateKey($0, privateKey, nil, nil, 0, nil, nil) }
    }

    private static func writePEM(_ step: String, _ write: (OpaquePointer) -> Int32) throws(CertificateError) -> String {
        ERR_clear_error()
        guard let bio = BIO_new(BIO_s_mem()) else { throw .drained("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw .drained(step) }
        let count = shim_BIO_pending(bio)
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        guard read == Int32(count) else { throw .drained("BIO_read") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first certificate of a PEM input.
    static func readCertificate(pem: String) throws(CertificateError) -> OpaquePointer {
        let certificate: OpaquePointer? = try withPEMBIO(pem, what: "certificate") { PEM_read_bio_X509($0, nil, nil, nil) }
        guard let certificate else {
            throw .unreadablePEM(what: "certificate", openSSLErrors: TLSError.drainOpenSSLErrors())
        }
        return certificate
    }

    /// The private key of a PEM input. Encrypted keys are refused, never prompted for.
    static func readPrivateKey(pem: String) throws(CertificateError) -> OpaquePointer {
        let key: OpaquePointer? = try withPEMBIO(pem, what: "private key") {
            PEM_read_bio_PrivateKey($0, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            throw .unreadablePEM(what: "private key", openSSLErrors: TLSError.drainOpenSSLErrors())
        }
        return key
    }

    private static func withPEMBIO<T>(
        _ pem: String, what: String, _ body: (OpaquePointer) -> T
    ) throws(CertificateError) -> T {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumPEMBytes else {
            throw .unreadablePEM(what: what, openSSLErrors: ["input of \(bytes.count) bytes"])
        }
        ERR_clear_error()
        // A memory BIO over a buffer does not copy it: use it only inside the closure.
        let result: T? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
        guard let result else { throw .drained("BIO_new_mem_buf") }
        return result
    }

    /// The subject as an RFC 2253 string, e.g. `CN=Cilium CA`.
    static func subject(of certificate: OpaquePointer) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "?" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, X509_get_subject_name(certificate), 0, shim_XN_FLAG_RFC2253()) >= 0 else { return "?" }
        let count = min(shim_BIO_pending(bio), 4096)
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        return String(decoding: bytes.prefix(max(0, Int(read))), as: UTF8.self)
    }
}
