import Mesh
import MeshSources

/// Builds the `kubernetes` source: `--kubeconfig`, else the in-cluster service account, else
/// the first file of `$KUBECONFIG`.
enum KubernetesSourceFactory {
    static func make(kubeconfig: String?, mirror: MeshMirror) throws -> any MeshSource {
        let config = try KubernetesSource.loadConfig(kubeconfigPath: kubeconfig)
        return try KubernetesSource(config: config, mirror: mirror, log: { message in log("source: \(message)") })
    }
}
