import Testing
import TLS

@Suite struct CertificateAltNameTests {
    @Test(arguments: [
        ("127.0.0.1", CertificateAltName.ip("127.0.0.1")),
        ("::1", .ip("::1")),
        ("fd00::10:1", .ip("fd00::10:1")),
        ("clustermesh-apiserver.kube-system.svc", .dns("clustermesh-apiserver.kube-system.svc")),
        ("*.mesh.cilium.io", .dns("*.mesh.cilium.io")),
        ("localhost", .dns("localhost")),
    ])
    func parsesIPsAndDNSNames(text: String, expected: CertificateAltName) throws {
        #expect(try CertificateAltName(parsing: text) == expected)
    }

    @Test(arguments: [
        "", "a,b", "with space", "-leading.dash", "trailing-.x", "a..b", "*", "x.*.y", "10.0.0.1/24",
        "ünïcode.example", String(repeating: "a", count: 64) + ".x", String(repeating: "a.", count: 127) + "ab",
    ])
    func rejectsEverythingElse(text: String) {
        #expect(throws: CertificateError.invalidAltName(text)) { try CertificateAltName(parsing: text) }
    }

    @Test func descriptionIsTheOpenSSLForm() {
        #expect(CertificateAltName.dns("a.b").description == "DNS:a.b")
        #expect(CertificateAltName.ip("::1").description == "IP:::1")
    }
}
