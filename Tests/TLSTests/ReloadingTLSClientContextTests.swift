import Foundation
import Testing
import TLS

/// The client context re-reads its files for new connections when they changed.
@Suite struct ReloadingTLSClientContextTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.shared()
    }

    func copy(_ source: String, to destination: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try data.write(to: URL(fileURLWithPath: destination), options: .atomic)
    }

    @Test func reloadsOnlyWhenAFileChangedAndKeepsTheLastGoodOne() throws {
        let directory = try makeTemporaryDirectory("tls-client-reload")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cert = directory + "/client.crt"
        let key = directory + "/client.key"
        try copy(pki.serverCertificate, to: cert)
        try copy(pki.serverKey, to: key)
        let context = try ReloadingTLSClientContext(TLSClientConfiguration(
            caPath: pki.caCertificate, certificatePath: cert, privateKeyPath: key, alpn: ["h2"]))
        let first = try context.current()
        #expect(try context.current() === first)
        #expect(context.generation == 1)
        // Rotation: both files replaced (new inodes).
        try copy(pki.rotatedServerCertificate, to: cert)
        try copy(pki.rotatedServerKey, to: key)
        let second = try context.current()
        #expect(second !== first)
        #expect(context.generation == 2)
        // Half-done rotation (certificate without its key): the error is reported, the last
        // good context stays available, and a later call retries.
        try copy(pki.serverCertificate, to: cert)
        #expect(throws: TLSError.self) { try context.current() }
        #expect(context.lastGood === second)
        try copy(pki.serverKey, to: key)
        #expect(try context.current() !== second)
        #expect(context.generation == 3)
    }
}
