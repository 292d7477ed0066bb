import Foundation
import Testing
import TLS

/// The engine behind a real loopback socket, against the `openssl s_client` and `curl` CLIs.
@Suite(.timeLimit(.minutes(1))) struct TLSEngineInteropTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.shared()
    }

    func context(clientCA: Bool = false) throws -> TLSServerContext {
        try TLSServerContext(TLSServerConfiguration(
            certificatePath: pki.serverCertificate,
            privateKeyPath: pki.serverKey,
            clientCAPath: clientCA ? pki.caCertificate : nil
        ))
    }

    /// Echoes the first line back, then closes.
    static let echoLine: LoopbackTLSServer.Handler = { received, engine in
        guard received.contains(UInt8(ascii: "\n")) else { return false }
        try engine.writePlaintext(received[...])
        return true
    }

    /// Answers one HTTP/1.1 request with "hello", then closes.
    static let helloHTTP: LoopbackTLSServer.Handler = { received, engine in
        guard received.count >= 4, String(decoding: received, as: UTF8.self).contains("\r\n\r\n") else { return false }
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
        try engine.writePlaintext(Array(response.utf8)[...])
        return true
    }

    func sClient(_ port: UInt16, _ extra: [String], stdin: String? = "ping\n") throws -> TestTool.Result {
        try TestTool.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", pki.caCertificate,
             "-servername", "localhost", "-verify_return_error", "-ign_eof"] + extra,
            stdin: stdin
        )
    }

    @Test func opensslClientNegotiatesH2AndEchoes() throws {
        let server = try LoopbackTLSServer(context: context(), handler: Self.echoLine)
        let result = try sClient(server.port, ["-alpn", "h2,http/1.1"])
        #expect(!result.timedOut)
        #expect(result.output.contains("ALPN protocol: h2"), "\(result.output)")
        #expect(result.output.contains("Verify return code: 0 (ok)"))
        #expect(result.output.contains("\nping\n"))
        let report = try #require(server.waitForReports(1).first)
        #expect(report.alpn == "h2")
        #expect(report.protocolVersion == "TLSv1.3")
        #expect(report.error == nil)
    }

    @Test func opensslClientOverTLS12() throws {
        let server = try LoopbackTLSServer(context: context(), handler: Self.echoLine)
        let result = try sClient(server.port, ["-tls1_2", "-alpn", "h2"])
        #expect(result.output.contains("ALPN protocol: h2"), "\(result.output)")
        #expect(result.output.contains("ECDHE-ECDSA-AES"))
        #expect(server.waitForReports(1).first?.protocolVersion == "TLSv1.2")
    }

    @Test func curlHTTP11WithoutH2() throws {
        let server = try LoopbackTLSServer(context: context(), connections: 2, handler: Self.helloHTTP)
        let offered = try TestTool.run([
            "curl", "-sS", "--max-time", "10", "--http1.1", "--cacert", pki.caCertificate, "https://127.0.0.1:\(server.port)/",
        ])
        #expect(offered.status == 0, "\(offered.output)")
        #expect(offered.output == "hello")
        let none = try TestTool.run([
            "curl", "-sS", "--max-time", "10", "--http1.1", "--no-alpn", "--cacert", pki.caCertificate,
            "https://localhost:\(server.port)/", "--resolve", "localhost:\(server.port):127.0.0.1",
        ])
        #expect(none.status == 0, "\(none.output)")
        #expect(none.output == "hello")
        let reports = server.waitForReports(2)
        #expect(reports.map(\.alpn) == ["http/1.1", nil])
    }

    @Test func curlWithClientCertificate() throws {
        let server = try LoopbackTLSServer(context: context(clientCA: true), connections: 2, handler: Self.helloHTTP)
        let good = try TestTool.run([
            "curl", "-sS", "--max-time", "10", "--http1.1", "--cacert", pki.caCertificate,
            "--cert", pki.clientCertificate("remote"), "--key", pki.clientKey("remote"),
            "https://127.0.0.1:\(server.port)/",
        ])
        #expect(good.output == "hello", "\(good.output)")
        let anonymous = try TestTool.run([
            "curl", "-sS", "--max-time", "10", "--http1.1", "--cacert", pki.caCertificate, "https://127.0.0.1:\(server.port)/",
        ])
        #expect(anonymous.status != 0)
        let reports = server.waitForReports(2)
        #expect(reports.first?.commonName == "remote")
        #expect(reports.last?.error?.mentions("peer did not return a certificate") == true)
    }

    @Test func tls11ClientIsRefused() throws {
        let server = try LoopbackTLSServer(context: context(), handler: Self.echoLine)
        let result = try sClient(server.port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], stdin: nil)
        #expect(result.status != 0)
        let report = try #require(server.waitForReports(1).first)
        #expect(report.error?.mentions("unsupported protocol") == true, "\(String(describing: report.error))")
    }

    @Test(arguments: ["AES128-SHA", "ECDHE-ECDSA-AES128-SHA", "AES128-GCM-SHA256"])
    func nonECDHEOrNonAEADSuitesAreRefused(cipher: String) throws {
        let server = try LoopbackTLSServer(context: context(), handler: Self.echoLine)
        let result = try sClient(server.port, ["-tls1_2", "-cipher", cipher], stdin: nil)
        #expect(result.status != 0)
        let report = try #require(server.waitForReports(1).first)
        #expect(report.error?.mentions("no shared cipher") == true, "\(String(describing: report.error))")
    }
}
