import Foundation
import Testing
@testable import EtcdClient

@Suite struct EtcdConfigFileTests {
    @Test func ciliumHelmConfig() throws {
        let config = try EtcdConfigFile.parse("""
            endpoints:
            - https://cluster2.mesh.cilium.io:32379
            trusted-ca-file: /var/lib/cilium/clustermesh/common-etcd-client-ca.crt
            key-file: /var/lib/cilium/clustermesh/common-etcd-client.key
            cert-file: /var/lib/cilium/clustermesh/common-etcd-client.crt
            auto-sync-interval: 0
            unknown: [1, 2]
            """)
        #expect(config.endpoints == [EtcdEndpoint(scheme: .https, host: "cluster2.mesh.cilium.io", port: 32379)])
        #expect(config.tls == EtcdTLSConfiguration(
            caFile: "/var/lib/cilium/clustermesh/common-etcd-client-ca.crt",
            certFile: "/var/lib/cilium/clustermesh/common-etcd-client.crt",
            keyFile: "/var/lib/cilium/clustermesh/common-etcd-client.key"))
        #expect(config.dialTimeout == nil)
        #expect(config.clientConfiguration.keepaliveTime == .seconds(15))
    }

    @Test func insecureTransportMeansNoTLS() throws {
        let config = try EtcdConfigFile.parse("""
            endpoints: ["http://127.0.0.1:2379", "127.0.0.2:2379"]
            insecure-transport: true
            trusted-ca-file: /ignored
            dial-timeout: 2000000000
            """)
        #expect(config.tls == nil)
        #expect(config.endpoints.count == 2)
        #expect(config.dialTimeout == .seconds(2))
    }

    @Test func tlsWithoutCAUsesSystemRootsAndCertNeedsKey() throws {
        let config = try EtcdConfigFile.parse("""
            endpoints: [https://h:2379]
            cert-file: /only-cert
            insecure-skip-tls-verify: true
            ca-file: /old-name.crt
            """)
        #expect(config.tls == EtcdTLSConfiguration(caFile: "/old-name.crt", insecureSkipVerify: true))
    }

    @Test(arguments: [
        ("[1, 2]", "the configuration is not a YAML mapping"),
        ("trusted-ca-file: x", "no endpoints"),
        ("endpoints: [\"ftp://x\"]", "invalid endpoint ftp://x"),
        ("endpoints: {a: 1}", "endpoints must be a list of URLs"),
        ("endpoints: [h:1]\ninsecure-transport: maybe", "insecure-transport must be true or false"),
        ("endpoints: [h:1]\ndial-timeout: 5s", "dial-timeout must be an integer number of nanoseconds"),
    ])
    func invalidConfigs(yaml: String, reason: String) {
        #expect(throws: EtcdConfigFile.ParseError.invalid(reason)) { try EtcdConfigFile.parse(yaml) }
    }

    @Test func malformedYAMLAndMissingFile() {
        #expect(throws: EtcdConfigFile.ParseError.self) { try EtcdConfigFile.parse("endpoints: [") }
        #expect(throws: EtcdConfigFile.ParseError.self) { try EtcdConfigFile.load(path: "/nonexistent/cluster2") }
    }

    @Test func loadsAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-config-\(UInt32.random(in: 0...UInt32.max))")
        try "endpoints:\n- https://[::1]:2379\n".write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let config = try EtcdConfigFile.load(path: path.path)
        #expect(config.endpoints == [EtcdEndpoint(scheme: .https, host: "::1", port: 2379)])
        #expect(config.tls == EtcdTLSConfiguration())
    }
}
