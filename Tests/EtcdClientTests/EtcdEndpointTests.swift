import Testing
@testable import EtcdClient

@Suite struct EtcdEndpointTests {
    @Test(arguments: [
        ("http://127.0.0.1:2379", EtcdEndpoint(scheme: .http, host: "127.0.0.1", port: 2379), "127.0.0.1:2379"),
        ("https://cluster2.mesh.cilium.io:32379", EtcdEndpoint(scheme: .https, host: "cluster2.mesh.cilium.io", port: 32379),
         "cluster2.mesh.cilium.io:32379"),
        ("10.0.0.1:2379", EtcdEndpoint(scheme: .unspecified, host: "10.0.0.1", port: 2379), "10.0.0.1:2379"),
        ("https://[fd00::1]:2379/", EtcdEndpoint(scheme: .https, host: "fd00::1", port: 2379), "[fd00::1]:2379"),
        ("[::1]", EtcdEndpoint(scheme: .unspecified, host: "::1", port: 2379), "[::1]:2379"),
        ("::1", EtcdEndpoint(scheme: .unspecified, host: "::1", port: 2379), "[::1]:2379"),
        ("etcd", EtcdEndpoint(scheme: .unspecified, host: "etcd", port: 2379), "etcd:2379"),
        (" HTTPS://h:1 ", EtcdEndpoint(scheme: .https, host: "h", port: 1), "h:1"),
    ])
    func parses(text: String, endpoint: EtcdEndpoint, authority: String) {
        #expect(EtcdEndpoint(parsing: text) == endpoint)
        #expect(EtcdEndpoint(parsing: text)?.authority == authority)
    }

    @Test(arguments: ["", "unix:///tmp/x", "ftp://h:1", "h:0", "h:65536", "h:x", "[::1", "[::1]x", "http://", "a b:1",
                      "user@h:1"])
    func rejects(text: String) {
        #expect(EtcdEndpoint(parsing: text) == nil)
    }

    @Test func schemeDecidesTLSLikeClientv3() {
        let http = EtcdEndpoint(scheme: .http, host: "h")
        let https = EtcdEndpoint(scheme: .https, host: "h")
        let bare = EtcdEndpoint(host: "h")
        #expect(!http.usesTLS(tlsConfigured: true))
        #expect(https.usesTLS(tlsConfigured: false))
        #expect(bare.usesTLS(tlsConfigured: true))
        #expect(!bare.usesTLS(tlsConfigured: false))
    }
}
