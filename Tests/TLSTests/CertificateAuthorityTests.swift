import Foundation
import Testing
import TLS

/// Certificates made by `CertificateAuthority`: their content (checked with the `openssl` CLI),
/// and mTLS handshakes between in-memory engines using them.
@Suite struct CertificateAuthorityTests {
    static let serverSANs = [
        "clustermesh-apiserver.cilium.io", "*.mesh.cilium.io", "clustermesh-apiserver.kube-system.svc",
        "127.0.0.1", "::1",
    ]

    /// Writes PEM files into a fresh directory and returns its path.
    func write(_ files: [String: String]) throws -> String {
        let directory = try makeTemporaryDirectory("certificate-authority")
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        return directory
    }

    func opensslText(_ path: String) throws -> String {
        let result = try TestTool.run(["openssl", "x509", "-noout", "-text", "-in", path])
        #expect(result.status == 0, "\(result.output)")
        return result.output
    }

    /// CA, server certificate and `remote` client certificate written to disk.
    func makePKI(keyType: CertificateKeyType = .ecdsaP256) throws -> String {
        let ca = try CertificateAuthority.generate(keyType: keyType)
        let server = try ca.issue(
            commonName: "clustermesh-apiserver.cilium.io",
            altNames: Self.serverSANs.map { try CertificateAltName(parsing: $0) },
            usage: .server, keyType: keyType)
        let remote = try ca.issue(commonName: "remote", usage: .client, keyType: keyType)
        return try write([
            "ca.crt": ca.certificatePEM, "ca.key": ca.privateKeyPEM,
            "server.crt": server.certificatePEM, "server.key": server.privateKeyPEM,
            "remote.crt": remote.certificatePEM, "remote.key": remote.privateKeyPEM,
        ])
    }

    func handshake(_ dir: String, clientCert: String, serverName: String) throws -> (PumpOutcome, TLSEngine, TLSEngine) {
        let server = try TLSServerContext(TLSServerConfiguration(
            certificatePath: dir + "/server.crt", privateKeyPath: dir + "/server.key", clientCAPath: dir + "/ca.crt"))
        let client = try TLSClientContext(TLSClientConfiguration(
            caPath: dir + "/ca.crt", certificatePath: dir + "/\(clientCert).crt", privateKeyPath: dir + "/\(clientCert).key",
            serverName: serverName, alpn: ["h2"]))
        let serverEngine = try server.makeEngine()
        let clientEngine = try client.makeEngine()
        return (pump(client: clientEngine, server: serverEngine), serverEngine, clientEngine)
    }

    @Test func generatedCAIsASelfSignedCA() throws {
        let ca = try CertificateAuthority.generate()
        #expect(ca.subject == "CN=Cilium CA")
        #expect(ca.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(ca.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let dir = try write(["ca.crt": ca.certificatePEM])
        let text = try opensslText(dir + "/ca.crt")
        #expect(text.contains("CA:TRUE"))
        #expect(text.contains("Certificate Sign, CRL Sign"))
        #expect(text.contains("ecdsa-with-SHA256"))
        #expect(text.contains("Issuer: CN = Cilium CA"))
        let verify = try TestTool.run(["openssl", "verify", "-CAfile", dir + "/ca.crt", dir + "/ca.crt"])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func serverCertificateHasCiliumSANsAndServerAuth() throws {
        let dir = try makePKI()
        let text = try opensslText(dir + "/server.crt")
        #expect(text.contains("Subject: CN = clustermesh-apiserver.cilium.io"))
        #expect(text.contains("DNS:clustermesh-apiserver.cilium.io, DNS:*.mesh.cilium.io, DNS:clustermesh-apiserver.kube-system.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(!text.contains("TLS Web Client Authentication"))
        #expect(text.contains("CA:FALSE"))
        #expect(text.contains("X509v3 Authority Key Identifier"))
        let verify = try TestTool.run(["openssl", "verify", "-purpose", "sslserver", "-CAfile", dir + "/ca.crt", dir + "/server.crt"])
        #expect(verify.status == 0, "\(verify.output)")
        let remote = try opensslText(dir + "/remote.crt")
        #expect(remote.contains("Subject: CN = remote"))
        #expect(remote.contains("TLS Web Client Authentication"))
        #expect(!remote.contains("Subject Alternative Name"))
    }

    @Test func validityIsTheRequestedNumberOfDays() throws {
        let ca = try CertificateAuthority.generate(validityDays: 10)
        let leaf = try ca.issue(commonName: "remote", usage: .client, validityDays: 3)
        let dir = try write(["leaf.crt": leaf.certificatePEM])
        let inside = try TestTool.run(["openssl", "x509", "-noout", "-checkend", "\(3 * 86400 - 3600)", "-in", dir + "/leaf.crt"])
        #expect(inside.status == 0, "\(inside.output)")
        let beyond = try TestTool.run(["openssl", "x509", "-noout", "-checkend", "\(3 * 86400 + 3600)", "-in", dir + "/leaf.crt"])
        #expect(beyond.status != 0)
    }

    @Test(arguments: ["127.0.0.1", "::1", "cluster1.mesh.cilium.io", "clustermesh-apiserver.cilium.io"])
    func mutualTLSHandshakeSucceeds(serverName: String) throws {
        let dir = try makePKI()
        let (outcome, server, client) = try handshake(dir, clientCert: "remote", serverName: serverName)
        #expect(outcome.clientError == nil && outcome.serverError == nil)
        #expect(server.handshakeComplete && client.handshakeComplete)
        #expect(server.peerCertificateChainVerified)
        #expect(server.peerCertificateCommonName == "remote")
        #expect(client.peerCertificateCommonName == "clustermesh-apiserver.cilium.io")
    }

    @Test func rsaKeysWork() throws {
        let dir = try makePKI(keyType: .rsa2048)
        let (outcome, server, _) = try handshake(dir, clientCert: "remote", serverName: "127.0.0.1")
        #expect(outcome.clientError == nil && outcome.serverError == nil)
        #expect(server.peerCertificateCommonName == "remote")
        let text = try opensslText(dir + "/server.crt")
        #expect(text.contains("sha256WithRSAEncryption") && text.contains("Key Encipherment"))
    }

    @Test func nameOutsideTheSANsIsRejected() throws {
        let dir = try makePKI()
        let (outcome, _, _) = try handshake(dir, clientCert: "remote", serverName: "example.com")
        #expect(outcome.clientError?.kind == .handshake)
    }

    @Test func serverOnlyCertificateIsRefusedAsClientCertificate() throws {
        let dir = try makePKI()
        let (outcome, _, _) = try handshake(dir, clientCert: "server", serverName: "127.0.0.1")
        #expect(outcome.serverError?.kind == .handshake)
    }

    @Test func loadedCAIssuesCertificatesTheOriginalCATrusts() throws {
        let original = try CertificateAuthority.generate()
        let loaded = try CertificateAuthority.load(certificatePEM: original.certificatePEM, privateKeyPEM: original.privateKeyPEM)
        #expect(loaded.certificatePEM == original.certificatePEM)
        let leaf = try loaded.issue(commonName: "admin-cluster1", usage: .client)
        let dir = try write(["ca.crt": original.certificatePEM, "leaf.crt": leaf.certificatePEM])
        let verify = try TestTool.run(["openssl", "verify", "-purpose", "sslclient", "-CAfile", dir + "/ca.crt", dir + "/leaf.crt"])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func loadRejectsMismatchedKeyLeafAndGarbage() throws {
        let a = try CertificateAuthority.generate()
        let b = try CertificateAuthority.generate()
        #expect(throws: CertificateError.keyDoesNotMatchCertificate) {
            try CertificateAuthority.load(certificatePEM: a.certificatePEM, privateKeyPEM: b.privateKeyPEM)
        }
        let leaf = try a.issue(commonName: "remote", usage: .client)
        #expect(throws: CertificateError.notACertificateAuthority(subject: "CN=remote")) {
            try CertificateAuthority.load(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM)
        }
        do {
            _ = try CertificateAuthority.load(certificatePEM: "not pem", privateKeyPEM: a.privateKeyPEM)
            Issue.record("garbage accepted")
        } catch {
            guard case .unreadablePEM(let what, _) = error else { Issue.record("\(error)"); return }
            #expect(what == "certificate")
        }
    }

    @Test func encryptedCAKeyIsRefusedWithoutPrompting() throws {
        let ca = try CertificateAuthority.generate()
        let dir = try write(["ca.key": ca.privateKeyPEM])
        try TestTool.openssl(["pkey", "-in", dir + "/ca.key", "-aes256", "-passout", "pass:x", "-out", dir + "/enc.key"])
        let encrypted = try String(contentsOfFile: dir + "/enc.key", encoding: .utf8)
        do {
            _ = try CertificateAuthority.load(certificatePEM: ca.certificatePEM, privateKeyPEM: encrypted)
            Issue.record("encrypted key accepted")
        } catch {
            guard case .unreadablePEM(let what, _) = error else { Issue.record("\(error)"); return }
            #expect(what == "private key")
        }
    }

    @Test func invalidInputsAreTypedErrors() throws {
        let ca = try CertificateAuthority.generate()
        #expect(throws: CertificateError.invalidCommonName("")) { try ca.issue(commonName: "", usage: .client) }
        let long = String(repeating: "a", count: 65)
        #expect(throws: CertificateError.invalidCommonName(long)) { try ca.issue(commonName: long, usage: .client) }
        #expect(throws: CertificateError.invalidValidity(days: 0)) { try ca.issue(commonName: "x", usage: .client, validityDays: 0) }
        #expect(throws: CertificateError.invalidAltName("a,DNS:b")) {
            try ca.issue(commonName: "x", altNames: [.dns("a,DNS:b")], usage: .server)
        }
        #expect(throws: CertificateError.invalidAltName("10.0.0.300")) {
            try ca.issue(commonName: "x", altNames: [.ip("10.0.0.300")], usage: .server)
        }
    }
}
