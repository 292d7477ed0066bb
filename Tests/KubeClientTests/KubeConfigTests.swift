import Foundation
import Testing

@testable import KubeClient

@Suite struct KubeConfigTests {
    @Test func serverURLs() throws {
        let a = try KubeServerURL(parsing: "https://10.96.0.1:443")
        #expect(a.secure && a.host == "10.96.0.1" && a.port == 443 && a.authority == "10.96.0.1")
        let b = try KubeServerURL(parsing: "http://127.0.0.1:8080/prefix/")
        #expect(!b.secure && b.port == 8080 && b.pathPrefix == "/prefix" && b.authority == "127.0.0.1:8080")
        let c = try KubeServerURL(parsing: "https://[fd00::1]:6443")
        #expect(c.host == "fd00::1" && c.port == 6443 && c.authority == "[fd00::1]:6443")
        #expect(try KubeServerURL(parsing: "https://kube.example").port == 443)
        for bad in ["kube:443", "https://", "https://h:0", "https://h:99999", "https://[::1"] {
            #expect(throws: KubeConfigError.self) { try KubeServerURL(parsing: bad) }
        }
    }

    static let kubeconfig = #"""
        {"apiVersion":"v1","kind":"Config","current-context":"dev",
         "clusters":[{"name":"c1","cluster":{"server":"https://127.0.0.1:6443","certificate-authority-data":"LS0tLS1CRUdJTg==","tls-server-name":"kubernetes"}},
                     {"name":"c2","cluster":{"server":"http://127.0.0.1:8080","certificate-authority":"ca.pem","insecure-skip-tls-verify":true}}],
         "users":[{"name":"u1","user":{"token":"abc"}},
                  {"name":"u2","user":{"client-certificate":"/abs/tls.crt","client-key":"tls.key","tokenFile":"tok"}},
                  {"name":"u3","user":{"exec":{"command":"aws"}}}],
         "contexts":[{"name":"dev","context":{"cluster":"c1","user":"u1","namespace":"kube-system"}},
                     {"name":"other","context":{"cluster":"c2","user":"u2"}},
                     {"name":"exec","context":{"cluster":"c1","user":"u3"}},
                     {"name":"broken","context":{"cluster":"nope","user":"u1"}}]}
        """#

    @Test func currentContextWithInlineData() throws {
        let config = try KubeConfig(kubeconfigJSON: Array(Self.kubeconfig.utf8), directory: "/etc/kube")
        #expect(config.server.port == 6443)
        #expect(config.caPEM == Array("-----BEGIN".utf8))
        #expect(config.tlsServerName == "kubernetes")
        #expect(config.token == "abc")
        #expect(config.namespace == "kube-system")
        #expect(config.caPath == nil && config.tokenPath == nil)
    }

    @Test func namedContextWithRelativePaths() throws {
        let config = try KubeConfig(kubeconfigJSON: Array(Self.kubeconfig.utf8), directory: "/etc/kube", context: "other")
        #expect(config.caPath == "/etc/kube/ca.pem")
        #expect(config.insecureSkipTLSVerify)
        #expect(config.clientCertificatePath == "/abs/tls.crt")
        #expect(config.clientKeyPath == "/etc/kube/tls.key")
        #expect(config.tokenPath == "/etc/kube/tok")
    }

    @Test func errors() {
        let bytes = Array(Self.kubeconfig.utf8)
        #expect(throws: KubeConfigError.missingContext("nope")) { try KubeConfig(kubeconfigJSON: bytes, directory: "", context: "nope") }
        #expect(throws: KubeConfigError.missingCluster("nope")) { try KubeConfig(kubeconfigJSON: bytes, directory: "", context: "broken") }
        #expect(throws: KubeConfigError.unsupported("exec credential plugins")) {
            try KubeConfig(kubeconfigJSON: bytes, directory: "", context: "exec")
        }
        #expect(throws: KubeConfigError.noCurrentContext) {
            try KubeConfig(kubeconfigJSON: Array(#"{"clusters":[]}"#.utf8), directory: "")
        }
    }

    @Test func inClusterFromServiceAccountDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kube-sa-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "tok-1\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try "ca".write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
        try "kube-system".write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try KubeConfig.inCluster(environment: env, serviceAccountDirectory: dir)
        #expect(config.server == KubeServerURL(secure: true, host: "10.96.0.1", port: 443))
        #expect(config.caPath == dir + "/ca.crt")
        #expect(config.tokenPath == dir + "/token")
        #expect(config.namespace == "kube-system")
        // The token file is re-read for every request (rotation).
        let client = try KubeHTTPClient(config: KubeConfig(server: KubeServerURL(secure: false, host: "h", port: 1), tokenPath: dir + "/token"))
        #expect(try client.bearerToken() == "tok-1")
        try "tok-2".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        #expect(try client.bearerToken() == "tok-2")
        #expect(throws: KubeConfigError.notInCluster) { try KubeConfig.inCluster(environment: [:], serviceAccountDirectory: dir) }
    }
}
