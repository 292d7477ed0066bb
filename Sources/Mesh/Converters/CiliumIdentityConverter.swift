/// CiliumIdentity → `cilium/state/identities/v1/id/<id>` = `labels.Map2Labels(security-labels,
/// "").SortedList()` (reference §1.4).
///
/// Rejected (with a reason, nothing written): identities without security labels (Cilium logs
/// "Ignoring invalid identity"), names that are not a canonical decimal uint32, and IDs outside
/// the cluster's range for `maxConnectedClusters` (remote readers would drop them anyway).
public enum CiliumIdentityConverter {
    /// The security label naming the identity's namespace (the global-namespace filter's input).
    public static let podNamespaceLabel = "k8s:io.kubernetes.pod.namespace"

    public static func convert(_ identity: CiliumIdentity, cluster: MeshClusterInfo) -> MeshConversion {
        let name = identity.metadata.name
        func reject(_ reason: String) -> MeshConversion {
            MeshConversion(rejections: [MeshRejection(kind: .ciliumIdentity, object: name, reason: reason)])
        }
        guard let id = UInt32(name), String(id) == name else {
            return reject("name is not a numeric identity")
        }
        guard let range = KeyPaths.identityRange(clusterID: cluster.id, maxConnectedClusters: cluster.maxConnectedClusters)
        else {
            return reject("no identity range for cluster ID \(cluster.id) with max-connected-clusters \(cluster.maxConnectedClusters)")
        }
        guard range.contains(id) else {
            return reject(
                "identity \(id) outside the range \(range.lowerBound)...\(range.upperBound) of cluster ID \(cluster.id) (max-connected-clusters \(cluster.maxConnectedClusters))"
            )
        }
        guard let security = identity.securityLabels, !security.isEmpty else {
            return reject("missing security labels")
        }
        let labels = IdentityLabels(security.map { label(key: $0.key, value: $0.value) })
        return MeshConversion(entries: [MeshEntry(key: KeyPaths.identity(id: id), value: labels.bytes)])
    }

    /// Cilium `NewLabel(key, value, "")`: the source is the text before the first `:` of the key
    /// (`unspec` without one); a leading `$` means source `reserved`.
    static func label(key: String, value: String) -> CiliumLabel {
        if key.first == "$" {
            let rest = String(key.dropFirst())
            return rest.isEmpty
                ? CiliumLabel(source: "reserved", key: value, value: "")
                : CiliumLabel(source: "reserved", key: rest, value: value)
        }
        guard let colon = key.firstIndex(of: ":") else {
            return CiliumLabel(source: "unspec", key: key, value: value)
        }
        let source = String(key[..<colon])
        return CiliumLabel(source: source.isEmpty ? "unspec" : source, key: String(key[key.index(after: colon)...]), value: value)
    }
}
