#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import TLS

extension KubeHTTPClient {
    /// Builds the TLS context. In-memory client certificate/key (`client-certificate-data`)
    /// are written to private (0600) temporary files for OpenSSL to load, and removed at once.
    static func makeTLSContext(_ config: KubeConfig) throws(KubeClientError) -> TLSClientContext {
        var temporary: [String] = []
        defer { for path in temporary { unlink(path) } }
        var certificatePath = config.clientCertificatePath
        var keyPath = config.clientKeyPath
        if let pem = config.clientCertificatePEM {
            let path = try writeTemporary(pem)
            temporary.append(path)
            certificatePath = path
        }
        if let pem = config.clientKeyPEM {
            let path = try writeTemporary(pem)
            temporary.append(path)
            keyPath = path
        }
        let configuration = TLSClientConfiguration(
            caPath: config.caPath, caPEM: config.caPEM, certificatePath: certificatePath, privateKeyPath: keyPath,
            serverName: config.tlsServerName ?? config.server.host, alpn: ["http/1.1"],
            insecureSkipVerify: config.insecureSkipTLSVerify)
        do {
            return try TLSClientContext(configuration)
        } catch {
            throw .tls(error)
        }
    }

    private static func writeTemporary(_ bytes: [UInt8]) throws(KubeClientError) -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array((directory + "/kubeclient-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .configuration("cannot create a temporary file in \(directory)") }
        defer { close(fd) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                unlink(path)
                throw .configuration("cannot write a temporary file in \(directory)")
            }
            offset += n
        }
        return path
    }
}
