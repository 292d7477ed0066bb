import Foundation
import Testing

@testable import KubeClient

#if canImport(Glibc)
import Glibc
#endif

/// HTTPS through our TLS engine against `openssl s_server -www` (certificates made with the
/// openssl CLI): CA verification, IP SAN check, and a client certificate given as inline PEM.
@Suite(.serialized) struct KubeHTTPClientTLSTests {
    final class Fixture {
        let dir: String
        let port: UInt16
        let process: Process

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("kube-tls-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let script = """
                set -e
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca 2>/dev/null
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.pem -days 2 -subj /CN=other-ca 2>/dev/null
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj /CN=kube-apiserver 2>/dev/null
                printf 'subjectAltName=IP:127.0.0.1,DNS:kubernetes\\n' > san.ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr -subj /CN=admin 2>/dev/null
                openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 2>/dev/null
                """
            try Self.run("/bin/sh", ["-c", script], in: dir)
            port = try Self.freePort()
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = [
                "s_server", "-accept", "127.0.0.1:\(port)", "-cert", "server.pem", "-key", "server.key",
                "-CAfile", "ca.pem", "-Verify", "1", "-www", "-quiet",
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until it listens.
            for _ in 0..<100 {
                if Self.canConnect(port) { return }
                usleep(50_000)
            }
        }

        deinit {
            // SIGKILL: a child spawned from a Dispatch thread may inherit a mask blocking SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }

        func file(_ name: String) -> [UInt8] { (try? Array(Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))) ?? [] }

        static func run(_ path: String, _ args: [String], in dir: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw POSIXError(.EIO) }
        }

        static func freePort() throws -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard ok else { throw POSIXError(.EADDRINUSE) }
            return UInt16(bigEndian: addr.sin_port)
        }

        static func canConnect(_ port: UInt16) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
    }

    @Test func httpsWithInlineClientCertificate() throws {
        let f = try Fixture()
        let config = KubeConfig(
            server: KubeServerURL(secure: true, host: "127.0.0.1", port: f.port), caPEM: f.file("ca.pem"),
            token: "t", clientCertificatePEM: f.file("client.pem"), clientKeyPEM: f.file("client.key"))
        let client = try KubeHTTPClient(config: config, timeouts: KubeTimeouts(connect: .seconds(5), read: .seconds(5)))
        let response = try client.get("/", maxBodyBytes: 1 << 20)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains("<pre>"))
    }

    @Test func untrustedServerCertificateFailsTheHandshake() throws {
        let f = try Fixture()
        let config = KubeConfig(
            server: KubeServerURL(secure: true, host: "127.0.0.1", port: f.port), caPEM: f.file("other.pem"),
            clientCertificatePEM: f.file("client.pem"), clientKeyPEM: f.file("client.key"))
        let client = try KubeHTTPClient(config: config, timeouts: KubeTimeouts(connect: .seconds(5), read: .seconds(5)))
        do {
            _ = try client.get("/", maxBodyBytes: 1 << 20)
            Issue.record("handshake should fail")
        } catch {
            guard case .tls(let tls) = error else { Issue.record("unexpected \(error)"); return }
            #expect(tls.mentions("certificate verify failed"))
        }
    }
}
