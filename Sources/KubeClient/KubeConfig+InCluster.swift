#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KubeConfig {
    /// The service-account directory mounted into every pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster configuration: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
    /// CA `<dir>/ca.crt`, bearer token re-read from `<dir>/token`.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory directory: String = serviceAccountDirectory
    ) throws(KubeConfigError) -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let portText = environment["KUBERNETES_SERVICE_PORT"], !portText.isEmpty else {
            throw .notInCluster
        }
        guard let port = UInt16(portText), port > 0 else { throw .invalidServer("\(host):\(portText)") }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else { throw .unreadableFile(path: tokenPath) }
        let caPath = directory + "/ca.crt"
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
.trimmedWhitespace
        return KubeConfig(
            server: KubeServerURL(secure: true, host: host, port: port),
            caPath: FileManager.default.isReadableFile(atPath: caPath) ? caPath : nil,
            tokenPath: tokenPath, namespace: namespace)
    }
}
