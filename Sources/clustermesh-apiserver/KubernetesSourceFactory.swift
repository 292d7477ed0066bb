import Mesh
import MeshSources

/// Builds the `kubernetes` source (kubeconfig file or in-cluster service account).
enum KubernetesSourceFactory {
    static func make(kubeconfig: String?, configuration: MeshMirrorConfiguration) throws -> any MeshSource {
        throw MeshSourceError.startFailed(source: "kubernetes", reason: "not available in this build yet")
    }
}
