internal import COpenSSL

extension TLSEngine {
    /// Whether the peer presented a certificate whose chain this side verified (server with a
    /// client CA; client with verification on) and verification succeeded.
    public var peerCertificateChainVerified: Bool {
        guard handle.verifiesPeer, handshakeComplete,
              let certificate = SSL_get1_peer_certificate(ssl) else { return false }
        X509_free(certificate)
        return SSL_get_verify_result(ssl) == X509_V_OK
    }

    /// The last subject commonName of the peer certificate (Go's `Subject.CommonName`), or nil
    /// when absent, not valid UTF-8, or containing NUL. Check `peerCertificateChainVerified`
    /// before trusting it.
    public var peerCertificateCommonName: String? {
        withPeerCertificate { certificate in
            guard let name = X509_get_subject_name(certificate) else { return nil }
            var index: Int32 = -1
            var last: Int32 = -1
            while true {
                index = X509_NAME_get_index_by_NID(name, NID_commonName, index)
                if index < 0 { break }
                last = index
            }
            guard last >= 0, let entry = X509_NAME_get_entry(name, last),
                  let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { return nil }
            defer { shim_OPENSSL_free(utf8) }
            let bytes = UnsafeBufferPointer(start: utf8, count: Int(length))
            guard !bytes.contains(0) else { return nil }
            return String(validating: bytes, as: UTF8.self)
        }
    }

    /// The peer certificate subject in RFC 2253 form, e.g. `"CN=remote,O=cilium"`.
    public var peerCertificateSubject: String? {
        withPeerCertificate { certificate in
            guard let name = X509_get_subject_name(certificate),
                  let bio = BIO_new(BIO_s_mem()) else { return nil }
            defer { BIO_free(bio) }
            guard X509_NAME_print_ex(bio, name, 0, shim_XN_FLAG_RFC2253()) >= 0 else { return nil }
            return Self.drainText(bio)
        }
    }

    /// The peer certificate serial number as uppercase hex without leading zeros (e.g. `"1A2B"`).
    public var peerCertificateSerialHex: String? {
        withPeerCertificate { certificate in
            guard let serial = X509_get0_serialNumber(certificate),
                  let number = ASN1_INTEGER_to_BN(serial, nil) else { return nil }
            defer { BN_free(number) }
            guard let hex = BN_bn2hex(number) else { return nil }
            defer { shim_OPENSSL_free(hex) }
            return String(cString: hex)
        }
    }

    private func withPeerCertificate<T>(_ body: (OpaquePointer) -> T?) -> T? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        let result = body(certificate)
        ERR_clear_error()
        return result
    }

    private static func drainText(_ bio: OpaquePointer) -> String {
        let pending = shim_BIO_pending(bio)
        let bytes = [UInt8](unsafeUninitializedCapacity: pending) { buffer, initialized in
            var count = 0
            if BIO_read_ex(bio, buffer.baseAddress, pending, &count) != 1 {
                count = 0
            }
            initialized = count
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
