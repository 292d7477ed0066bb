/// One input to the mirror from a source (Kubernetes watch, file, synthetic generator).
///
/// A source's life per kind: `beginRelist`, the objects as `upsert`s, `relistDone` (or all of
/// it as one `replaceAll`); then `upsert`/`delete` as the watch reports changes; after a watch
/// break (410 Gone, reconnect) the same relist sequence again, which deletes exactly the objects
/// not seen again. The first `relistDone`/`replaceAll` (or an explicit `initialListDone`) marks
/// the kind's initial list as complete; canaries depend on that.
public enum MeshEvent: Sendable {
    case upsert(KubeObject)
    /// `objectKey` is `namespace/name` (namespaced kinds) or `name`.
    case delete(KubeKind, objectKey: String)
    case beginRelist(KubeKind)
    case relistDone(KubeKind)
    /// `beginRelist` + `upsert` of every object + `relistDone`.
    case replaceAll(KubeKind, [KubeObject])
    /// The initial list of `kind` is complete (for sources that do not use relist markers).
    case initialListDone(KubeKind)
}

/// The keys the mirror publishes, grouped as Cilium's sync stores are, one canary each.
public enum MeshResource: String, Sendable, Hashable, CaseIterable {
    case nodes
    case identities
    /// CiliumEndpoints, or CiliumEndpointSlices with `--enable-cilium-endpoint-slice`.
    case endpoints
    case services
    case serviceExports
    /// 1.20+ `ClusterEndpointSlice`s.
    case endpointSlices

    /// The state prefix; the canary is `cilium/synced/<C>/<prefix>`.
    public var prefix: String {
        switch self {
        case .nodes: KeyPaths.nodesPrefix
        case .identities: KeyPaths.identitiesPrefix
        case .endpoints: KeyPaths.ipPrefix
        case .services: KeyPaths.servicesPrefix
        case .serviceExports: KeyPaths.serviceExportsPrefix
        case .endpointSlices: KeyPaths.endpointSlicesPrefix
        }
    }

    /// The resource whose state prefix contains `key`.
    public static func of(key: String) -> MeshResource? {
        for resource in allCases where key.hasPrefix(resource.prefix + "/") { return resource }
        return nil
    }
}
