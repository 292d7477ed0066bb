import Mesh

/// The `--source` flag: where the mirrored objects come from.
///
/// | text                                   | source                           |
/// |----------------------------------------|----------------------------------|
/// | `kubernetes`                           | `KubernetesSource` (kube helper) |
/// | `file:PATH`                            | `FileSource`                     |
/// | `synthetic:nodes=…,endpoints=…,…`      | `SyntheticSource`                |
/// | `demo` (default)                       | `DemoSource`                     |
/// | `empty`                                | `EmptySource`                    |
public enum MeshSourceSpec: Sendable, Equatable, CustomStringConvertible {
    case kubernetes
    case file(path: String)
    case synthetic(SyntheticMeshParameters)
    case demo
    case empty

    public static let `default` = MeshSourceSpec.demo

    public init(parsing text: String) throws(MeshSourceError) {
        let name = text.prefix { $0 != ":" }
        let hasArgument = name.endIndex != text.endIndex
        let argument = hasArgument ? text[text.index(after: name.endIndex)...] : ""
        switch name {
        case "kubernetes", "demo", "empty":
            guard !hasArgument else { throw .invalidSpec(text, reason: "\"\(name)\" takes no argument") }
            self = name == "kubernetes" ? .kubernetes : name == "demo" ? .demo : .empty
        case "file":
            guard !argument.isEmpty else { throw .invalidSpec(text, reason: "expected file:PATH") }
            self = .file(path: String(argument))
        case "synthetic":
            self = .synthetic(try SyntheticMeshParameters(parsing: argument, spec: text))
        default:
            throw .invalidSpec(
                text, reason: "unknown source \"\(name)\" (kubernetes, file:PATH, synthetic:k=v,…, demo, empty)")
        }
    }

    /// False for `empty`: the owner should not start a `MeshMirror` (no cluster config, no
    /// canaries); tests and local tools write through the etcd API.
    public var feedsMirror: Bool { self != .empty }

    public var description: String {
        switch self {
        case .kubernetes: "kubernetes"
        case .file(let path): "file:\(path)"
        case .synthetic(let p):
            "synthetic:nodes=\(p.nodes),endpoints=\(p.endpoints),identities=\(p.identities),services=\(p.services),"
                + "churn=\(p.churn),seed=\(p.seed),ipv6=\(p.ipv6Percent),batch=\(p.batchSize),nonglobal=\(p.nonGlobalPercent)"
        case .demo: "demo"
        case .empty: "empty"
        }
    }

    /// Builds every source except `kubernetes` (nil: the owner constructs `KubernetesSource`
    /// with its client configuration). `cluster` must be the mirror's.
    public func makeSource(
        cluster: MeshClusterInfo, fileOptions: FileSource.Options = FileSource.Options(),
        log: @escaping MeshSourceLog = { _ in }
    ) throws(MeshSourceError) -> (any MeshSource)? {
        switch self {
        case .kubernetes: nil
        case .file(let path): FileSource(path: path, options: fileOptions, log: log)
        case .synthetic(let parameters): try SyntheticSource(parameters: parameters, cluster: cluster, log: log)
        case .demo: DemoSource(clusterName: cluster.name, clusterID: cluster.id, log: log)
        case .empty: EmptySource()
        }
    }
}
