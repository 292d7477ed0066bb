import Foundation
import KubeClient
import MVCC
import Mesh
import MeshSources
import Testing

@Suite struct KubernetesSourceConfigTests {
    static let yaml = """
        apiVersion: v1
        kind: Config
        current-context: kind-c1
        clusters:
        - name: kind-c1
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority: pki/ca.crt
        users:
        - name: admin
          user:
            token: yaml-token
        contexts:
        - name: kind-c1
          context:
            cluster: kind-c1
            user: admin
        """

    @Test func yamlKubeconfigWithRelativePaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubecfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.yaml.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        let config = try KubernetesSource.loadConfig(kubeconfigPath: dir + "/config", environment: [:])
        #expect(config.server == KubeServerURL(secure: true, host: "127.0.0.1", port: 6443))
        #expect(config.caPath == dir + "/pki/ca.crt")
        #expect(config.token == "yaml-token")
        // $KUBECONFIG is the fallback when not in a pod.
        let fromEnv = try KubernetesSource.loadConfig(
            kubeconfigPath: nil, environment: ["KUBECONFIG": dir + "/config:/other"], serviceAccountDirectory: dir + "/none")
        #expect(fromEnv == config)
    }

    @Test func missingConfiguration() {
        #expect(throws: KubernetesConfigError.noConfiguration) {
            try KubernetesSource.loadConfig(kubeconfigPath: nil, environment: [:])
        }
        #expect(throws: KubernetesConfigError.unreadable(path: "/nonexistent/config")) {
            try KubernetesSource.loadConfig(kubeconfigPath: "/nonexistent/config")
        }
    }

    @Test func meshSourceContract() throws {
        let store = KVStore()
        let mirror = MeshMirror(configuration: MeshMirrorConfiguration(cluster: MeshClusterInfo(name: "c", id: 3)), store: store)
        let other = MeshMirror(configuration: MeshMirrorConfiguration(cluster: MeshClusterInfo(name: "c", id: 3)), store: store)
        // Port 1 on loopback: nothing listens; the watchers just back off.
        let source = try KubernetesSource(
            config: KubeConfig(server: KubeServerURL(secure: false, host: "127.0.0.1", port: 1)), mirror: mirror)
        // Default configuration: every resource; services also need endpointslices; every resource
        // but nodes is filtered by namespace; no MCS-API.
        #expect(source.kinds == [.namespace, .ciliumNode, .ciliumIdentity, .ciliumEndpoint, .service, .endpointSlice])
        #expect(throws: MeshSourceError.self) { try source.start(mirror: other) }
        try source.start(mirror: mirror)
        #expect(throws: MeshSourceError.alreadyStarted) { try source.start(mirror: mirror) }
        #expect(source.statusDescription.hasPrefix("kubernetes http://127.0.0.1:1: Namespace "))
        source.stop()
        source.stop()
    }
}
