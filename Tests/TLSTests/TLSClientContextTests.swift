import Foundation
import Testing
import TLS

/// Client context options: trust anchors, identity, verification, server name.
@Suite struct TLSClientContextTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.shared()
    }

    func server() throws -> TLSEngine {
        try TLSServerContext(TLSServerConfiguration(
            certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey
        )).makeEngine()
    }

    @Test func trustAnchorsFromMemory() throws {
        let pem = try [UInt8](Data(contentsOf: URL(fileURLWithPath: pki.caCertificate)))
        let context = try TLSClientContext(TLSClientConfiguration(caPEM: pem, serverName: "localhost"))
        let client = try context.makeEngine()
        let outcome = pump(client: client, server: try server())
        #expect(outcome.clientError == nil)
        #expect(client.peerCertificateChainVerified)
        #expect(client.negotiatedALPN == "http/1.1")
    }

    @Test func pemWithoutCertificatesIsRejected() throws {
        #expect(throws: TLSError.self) {
            _ = try TLSClientContext(TLSClientConfiguration(caPEM: Array("not a pem".utf8)))
        }
    }

    @Test func untrustedServerIsRejected() throws {
        let context = try TLSClientContext(TLSClientConfiguration(caPath: pki.otherCACertificate, serverName: "localhost"))
        let outcome = pump(client: try context.makeEngine(), server: try server())
        #expect(outcome.clientError?.mentions("certificate verify failed") == true)
    }

    @Test func insecureSkipVerifyConnectsButReportsUnverified() throws {
        let context = try TLSClientContext(TLSClientConfiguration(
            caPath: pki.otherCACertificate, serverName: "wrong.example", insecureSkipVerify: true
        ))
        let client = try context.makeEngine()
        let outcome = pump(client: client, server: try server())
        #expect(outcome.clientError == nil)
        #expect(!client.peerCertificateChainVerified)
        #expect(client.peerCertificateSerialHex == TestPKI.serverSerial)
    }

    @Test func certificateWithoutKeyIsRejected() throws {
        #expect(throws: TLSError.self) {
            _ = try TLSClientContext(TLSClientConfiguration(certificatePath: pki.clientCertificate("remote")))
        }
    }

    @Test func serverNameOverridePerEngine() throws {
        let context = try TLSClientContext(TLSClientConfiguration(caPath: pki.caCertificate, serverName: "wrong.example"))
        let client = try context.makeEngine(serverName: "localhost")
        let outcome = pump(client: client, server: try server())
        #expect(outcome.clientError == nil)
    }
}
