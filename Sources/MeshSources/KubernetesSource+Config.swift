#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeClient
import Yams

/// Why the Kubernetes connection settings could not be loaded.
public enum KubernetesConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String)
    case invalidKubeconfig(path: String, reason: String)
    case config(KubeConfigError)
    /// Neither `--kubeconfig`, the in-cluster environment nor `$KUBECONFIG` is available.
    case noConfiguration

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read kubeconfig \(path)"
        case .invalidKubeconfig(let path, let reason): "invalid kubeconfig \(path): \(reason)"
        case .config(let e): e.description
        case .noConfiguration:
            "no Kubernetes configuration: pass --kubeconfig, run in a pod (service account), or set KUBECONFIG"
        }
    }
}

extension KubernetesSource {
    /// Resolves the API connection: `kubeconfigPath` (YAML or JSON, `context` or its
    /// current-context) when given; otherwise the in-cluster service account; otherwise the
    /// first file of `$KUBECONFIG`.
    public static func loadConfig(
        kubeconfigPath: String?, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubeConfig.serviceAccountDirectory
    ) throws(KubernetesConfigError) -> KubeConfig {
        if let kubeconfigPath, !kubeconfigPath.isEmpty {
            return try loadKubeconfig(path: kubeconfigPath, context: context)
        }
        do {
            return try KubeConfig.inCluster(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
        } catch KubeConfigError.notInCluster {
            guard let list = environment["KUBECONFIG"], let first = list.split(separator: ":").first else {
                throw .noConfiguration
            }
            return try loadKubeconfig(path: String(first), context: context)
        } catch {
            throw .config(error)
        }
    }

    /// Reads and resolves one kubeconfig file (relative paths inside it are taken relative to
    /// its directory, as kubectl does).
    public static func loadKubeconfig(path: String, context: String? = nil) throws(KubernetesConfigError) -> KubeConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        guard data.count <= 16 << 20 else { throw .invalidKubeconfig(path: path, reason: "larger than 16 MiB") }
        let text = String(decoding: data, as: UTF8.self)
        let file: KubeconfigFile
        do {
            file = try YAMLDecoder().decode(KubeconfigFile.self, from: text)
        } catch {
            throw .invalidKubeconfig(path: path, reason: String(describing: error))
        }
        let directory = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        do {
            return try KubeConfig(kubeconfig: file, directory: directory.isEmpty ? "/" : directory, context: context)
        } catch {
            throw .config(error)
        }
    }
}
