import Testing
import TLS

/// In-memory handshakes and data transfer between a server and a client engine.
@Suite struct TLSEngineTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.shared()
    }

    func serverContext(clientCA: Bool = false, alpn: [String] = ["h2", "http/1.1"]) throws -> TLSServerContext {
        try TLSServerContext(TLSServerConfiguration(
            certificatePath: pki.serverCertificate,
            privateKeyPath: pki.serverKey,
            clientCAPath: clientCA ? pki.caCertificate : nil,
            alpn: alpn
        ))
    }

    func clientContext(
        alpn: [String] = ["h2", "http/1.1"],
        certificate: String? = nil,
        serverName: String = "localhost",
        maximumVersion: TLSVersion? = nil
    ) throws -> TLSClientContext {
        try TLSClientContext(TLSClientConfiguration(
            caPath: pki.caCertificate,
            certificatePath: certificate.map { pki.clientCertificate($0) },
            privateKeyPath: certificate.map { pki.clientKey($0) },
            serverName: serverName,
            alpn: alpn,
            maximumVersion: maximumVersion
        ))
    }

    /// Server and client engines after a completed handshake.
    func connected(
        serverContext: TLSServerContext? = nil, client: TLSClientContext? = nil
    ) throws -> (server: TLSEngine, client: TLSEngine) {
        let server = try (serverContext ?? self.serverContext()).makeEngine()
        let clientEngine = try (client ?? clientContext()).makeEngine()
        let outcome = pump(client: clientEngine, server: server)
        #expect(outcome.clientError == nil)
        #expect(outcome.serverError == nil)
        #expect(server.handshakeComplete && clientEngine.handshakeComplete)
        return (server, clientEngine)
    }

    @Test func alpnSelectsH2WhenOffered() throws {
        let (server, client) = try connected()
        #expect(server.negotiatedALPN == "h2")
        #expect(client.negotiatedALPN == "h2")
        #expect(client.negotiatedProtocolVersion == "TLSv1.3")
        #expect(client.peerCertificateChainVerified)
        #expect(client.peerCertificateCommonName == "localhost")
        #expect(client.peerCertificateSerialHex == TestPKI.serverSerial)
        #expect(client.peerCertificateSubject == "CN=localhost")
        // No client CA configured: nothing requested, nothing verified.
        #expect(server.peerCertificateCommonName == nil)
        #expect(!server.peerCertificateChainVerified)
    }

    @Test func alpnPrefersServerOrderOverClientOrder() throws {
        let (server, _) = try connected(client: clientContext(alpn: ["http/1.1", "h2"]))
        #expect(server.negotiatedALPN == "h2")
    }

    @Test func alpnSelectsHTTP11WhenOnlyThatIsOffered() throws {
        let (server, client) = try connected(client: clientContext(alpn: ["http/1.1"]))
        #expect(server.negotiatedALPN == "http/1.1")
        #expect(client.negotiatedALPN == "http/1.1")
    }

    @Test(arguments: [["foo"], []])
    func handshakeSucceedsWithoutALPNWhenNothingMatches(alpn: [String]) throws {
        let (server, client) = try connected(client: clientContext(alpn: alpn))
        #expect(server.negotiatedALPN == nil)
        #expect(client.negotiatedALPN == nil)
    }

    @Test func tls12UsesECDHEWithAEAD() throws {
        let (server, client) = try connected(client: clientContext(maximumVersion: .tls12))
        #expect(server.negotiatedProtocolVersion == "TLSv1.2")
        let suite = try #require(client.negotiatedCipherSuite)
        #expect(suite.hasPrefix("ECDHE-ECDSA-"))
        #expect(suite.contains("GCM") || suite.contains("CHACHA20"))
        #expect(server.negotiatedALPN == "h2")
    }

    @Test func mtlsWithoutClientCertificateFails() throws {
        let server = try serverContext(clientCA: true).makeEngine()
        let client = try clientContext().makeEngine()
        let outcome = pump(client: client, server: server)
        let serverError = try #require(outcome.serverError)
        #expect(serverError.kind == .handshake)
        #expect(serverError.mentions("peer did not return a certificate"))
        // TLS 1.3: the client learns of it from the server's alert after its own Finished.
        let clientError = try #require(outcome.clientError)
        #expect(clientError.mentions("certificate required"))
        #expect(server.peerCertificateCommonName == nil)
    }

    @Test func mtlsWithCertificateFromAnotherCAFails() throws {
        let server = try serverContext(clientCA: true).makeEngine()
        let client = try clientContext(certificate: "other").makeEngine()
        let outcome = pump(client: client, server: server)
        let serverError = try #require(outcome.serverError)
        #expect(serverError.kind == .handshake)
        #expect(serverError.mentions("certificate verify failed"))
        #expect(serverError.reason.contains("unable to get local issuer certificate"))
        #expect(outcome.clientError != nil)
        // A failed engine stays failed with the same error.
        var sink: [UInt8] = []
        #expect(throws: serverError) { try server.readPlaintext(into: &sink) }
    }

    @Test(arguments: [("remote", "CN=remote"), ("admin-cluster1", "CN=admin-cluster1,O=cilium")])
    func mtlsWithGoodCertificateExposesCommonName(name: String, subject: String) throws {
        let (server, _) = try connected(
            serverContext: serverContext(clientCA: true),
            client: clientContext(certificate: name)
        )
        #expect(server.peerCertificateChainVerified)
        #expect(server.peerCertificateCommonName == name)
        #expect(server.peerCertificateSubject == subject)
    }

    @Test func serverNameMismatchFailsVerification() throws {
        let server = try serverContext().makeEngine()
        let client = try clientContext(serverName: "wrong.example").makeEngine()
        let outcome = pump(client: client, server: server)
        let clientError = try #require(outcome.clientError)
        #expect(clientError.kind == .handshake)
        #expect(clientError.mentions("certificate verify failed"))
        #expect(clientError.reason.contains("hostname mismatch"))
    }

    @Test func ipLiteralServerNameIsCheckedAgainstIPSAN() throws {
        let (_, client) = try connected(client: clientContext(serverName: "127.0.0.1"))
        #expect(client.peerCertificateChainVerified)
        let server = try serverContext().makeEngine()
        let wrong = try clientContext(serverName: "127.0.0.2").makeEngine()
        let outcome = pump(client: wrong, server: server)
        #expect(outcome.clientError?.reason.contains("IP address mismatch") == true)
    }

    @Test func applicationDataFlowsBothWays() throws {
        let (server, client) = try connected()
        try client.writePlaintext(Array("ping".utf8)[...])
        try server.writePlaintext(Array("pong".utf8)[...])
        let outcome = pump(client: client, server: server)
        #expect(outcome.serverReceived == Array("ping".utf8))
        #expect(outcome.clientReceived == Array("pong".utf8))
    }

    @Test func oneMebibyteInEachDirection() throws {
        let (server, client) = try connected()
        let upload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let download = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 3) }
        // Written in uneven pieces, as a connection owner would.
        var offset = 0
        while offset < upload.count {
            let end = min(offset + 40_000, upload.count)
            try client.writePlaintext(upload[offset..<end])
            try server.writePlaintext(download[offset..<end])
            offset = end
        }
        let outcome = pump(client: client, server: server)
        #expect(outcome.serverReceived == upload)
        #expect(outcome.clientReceived == download)
    }

    @Test func writesBeforeHandshakeAreBufferedThenSent() throws {
        let server = try serverContext().makeEngine()
        let client = try clientContext().makeEngine()
        try client.writePlaintext(Array("early".utf8)[...])
        #expect(!client.handshakeComplete)
        let outcome = pump(client: client, server: server)
        #expect(outcome.serverReceived == Array("early".utf8))
    }

    @Test func pendingPlaintextIsBounded() throws {
        let client = try clientContext().makeEngine()
        let chunk = [UInt8](repeating: 1, count: 1 << 20)
        for _ in 0..<(TLSEngine.maximumPendingPlaintext >> 20) {
            try client.writePlaintext(chunk[...])
        }
        #expect {
            try client.writePlaintext(chunk[...])
        } throws: { error in
            (error as? TLSError)?.kind == .bufferLimitExceeded
        }
    }

    @Test func closeNotifyIsDeliveredEachWay() throws {
        let (server, client) = try connected()
        try client.writePlaintext(Array("last words".utf8)[...])
        client.shutdown()
        #expect(throws: TLSError.self) { try client.writePlaintext([1][...]) }
        var outcome = pump(client: client, server: server)
        #expect(outcome.serverReceived == Array("last words".utf8))
        #expect(outcome.serverClosed)
        // Half-close: the server may still answer before closing its side.
        try server.writePlaintext(Array("bye".utf8)[...])
        server.shutdown()
        pump(client: client, server: server, into: &outcome)
        #expect(outcome.clientReceived == Array("bye".utf8))
        #expect(outcome.clientClosed)
        var sink: [UInt8] = []
        #expect(try server.readPlaintext(into: &sink) == .closed)
    }

    @Test func garbageInputFailsTheHandshake() throws {
        let server = try serverContext().makeEngine()
        server.feed(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)[...])
        var sink: [UInt8] = []
        #expect {
            _ = try server.readPlaintext(into: &sink)
        } throws: { error in
            (error as? TLSError)?.kind == .handshake
        }
    }
}
