import Foundation
import Testing
import TLS

/// Loading errors and certificate rotation of the server context.
@Suite struct TLSServerContextTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.shared()
    }

    func client() throws -> TLSEngine {
        try TLSClientContext(TLSClientConfiguration(
            caPath: pki.caCertificate, serverName: "localhost", alpn: ["h2"]
        )).makeEngine()
    }

    /// Copies `source` over `destination` by writing a temp file and renaming it (new inode,
    /// like a Kubernetes secret volume update).
    func replace(_ destination: String, with source: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try data.write(to: URL(fileURLWithPath: destination), options: .atomic)
    }

    @Test func missingFilesAreConfigurationErrors() throws {
        #expect {
            _ = try TLSServerContext(TLSServerConfiguration(certificatePath: "/nonexistent.crt", privateKeyPath: pki.serverKey))
        } throws: { error in
            let error = error as? TLSError
            return error?.kind == .configuration && error?.reason.contains("/nonexistent.crt") == true
        }
        #expect(throws: TLSError.self) {
            _ = try TLSServerContext(TLSServerConfiguration(
                certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey, clientCAPath: "/nonexistent-ca.crt"
            ))
        }
    }

    @Test func mismatchedKeyIsRejected() throws {
        #expect {
            _ = try TLSServerContext(TLSServerConfiguration(
                certificatePath: pki.serverCertificate, privateKeyPath: pki.rotatedServerKey
            ))
        } throws: { error in
            (error as? TLSError)?.mentions("does not match") == true
        }
    }

    @Test func encryptedKeyFailsWithoutPrompting() throws {
        #expect {
            _ = try TLSServerContext(TLSServerConfiguration(
                certificatePath: pki.serverCertificate, privateKeyPath: pki.path("encrypted.key")
            ))
        } throws: { error in
            (error as? TLSError)?.kind == .configuration
        }
    }

    @Test func invalidALPNNameIsRejected() throws {
        #expect(throws: TLSError.self) {
            _ = try TLSServerContext(TLSServerConfiguration(
                certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey, alpn: ["h2", ""]
            ))
        }
    }

    @Test func reloadSwapsCertificateForNewEnginesOnly() throws {
        let directory = try makeTemporaryDirectory("tls-reload")
        let certificate = directory + "/tls.crt"
        let key = directory + "/tls.key"
        try replace(certificate, with: pki.serverCertificate)
        try replace(key, with: pki.serverKey)
        let context = try TLSServerContext(TLSServerConfiguration(certificatePath: certificate, privateKeyPath: key))
        #expect(try context.reloadIfChanged() == false)

        // An established connection and one created but not yet handshaken.
        let established = try context.makeEngine()
        let establishedClient = try client()
        var first = pump(client: establishedClient, server: established)
        #expect(establishedClient.peerCertificateSerialHex == TestPKI.serverSerial)
        let pending = try context.makeEngine()

        try replace(certificate, with: pki.rotatedServerCertificate)
        try replace(key, with: pki.rotatedServerKey)
        #expect(try context.reloadIfChanged() == true)
        #expect(context.generation == 2)
        #expect(try context.reloadIfChanged() == false)

        let fresh = try context.makeEngine()
        let freshClient = try client()
        let second = pump(client: freshClient, server: fresh)
        #expect(second.clientError == nil && second.serverError == nil)
        #expect(freshClient.peerCertificateSerialHex == TestPKI.rotatedServerSerial)
        #expect(freshClient.peerCertificateCommonName == "localhost-rotated")
        #expect(freshClient.negotiatedALPN == "h2")

        // The engine made before the reload still presents the old certificate...
        let pendingClient = try client()
        _ = pump(client: pendingClient, server: pending)
        #expect(pendingClient.peerCertificateSerialHex == TestPKI.serverSerial)
        // ...and the established connection keeps working.
        try establishedClient.writePlaintext(Array("still here".utf8)[...])
        try established.writePlaintext(Array("yes".utf8)[...])
        pump(client: establishedClient, server: established, into: &first)
        #expect(first.serverReceived == Array("still here".utf8))
        #expect(first.clientReceived == Array("yes".utf8))
    }

    @Test func failedReloadKeepsServingTheOldContext() throws {
        let directory = try makeTemporaryDirectory("tls-reload-bad")
        let certificate = directory + "/tls.crt"
        let key = directory + "/tls.key"
        try replace(certificate, with: pki.serverCertificate)
        try replace(key, with: pki.serverKey)
        let context = try TLSServerContext(TLSServerConfiguration(certificatePath: certificate, privateKeyPath: key))

        // Half-rotated: new certificate, old key.
        try replace(certificate, with: pki.rotatedServerCertificate)
        #expect(throws: TLSError.self) { _ = try context.reloadIfChanged() }
        #expect(context.generation == 1)
        let engine = try context.makeEngine()
        let clientEngine = try client()
        let outcome = pump(client: clientEngine, server: engine)
        #expect(outcome.clientError == nil)
        #expect(clientEngine.peerCertificateSerialHex == TestPKI.serverSerial)

        // Rotation completes: the next check succeeds.
        try replace(key, with: pki.rotatedServerKey)
        #expect(try context.reloadIfChanged() == true)
        #expect(context.generation == 2)
    }

    @Test func clientCARotationApplies() throws {
        let directory = try makeTemporaryDirectory("tls-reload-ca")
        let ca = directory + "/ca.crt"
        try replace(ca, with: pki.otherCACertificate)
        let context = try TLSServerContext(TLSServerConfiguration(
            certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey, clientCAPath: ca
        ))
        let clientContext = try TLSClientContext(TLSClientConfiguration(
            caPath: pki.caCertificate,
            certificatePath: pki.clientCertificate("remote"),
            privateKeyPath: pki.clientKey("remote"),
            serverName: "localhost"
        ))
        let refused = pump(client: try clientContext.makeEngine(), server: try context.makeEngine())
        #expect(refused.serverError?.mentions("certificate verify failed") == true)

        try replace(ca, with: pki.caCertificate)
        #expect(try context.reloadIfChanged())
        let server = try context.makeEngine()
        let accepted = pump(client: try clientContext.makeEngine(), server: server)
        #expect(accepted.serverError == nil)
        #expect(server.peerCertificateCommonName == "remote")
    }
}
