/// `v1 Namespace`: only its annotations matter to the mirror (the global-namespace filter,
/// reference/cilium-1.19-plus.md §C).
public struct KubeNamespace: Sendable, Equatable, Decodable {
    /// `clustermesh.cilium.io/global` (`annotation.GlobalNamespace`).
    public static let globalAnnotation = "clustermesh.cilium.io/global"

    public var metadata: KubeObjectMeta

    public init(metadata: KubeObjectMeta) {
        self.metadata = metadata
    }

    /// Cilium `IsGlobalNamespaceByObject`: with the annotation, global iff its value lowercased
    /// is exactly `true` (`"TRUE"` is global; `"false"`, `"yes"`, `""` are not); without it,
    /// `defaultGlobal` (`--clustermesh-default-global-namespace`) decides.
    public func isGlobal(defaultGlobal: Bool) -> Bool {
        guard let value = metadata.annotations?[Self.globalAnnotation] else { return defaultGlobal }
        return value.lowercased() == "true"
    }
}
