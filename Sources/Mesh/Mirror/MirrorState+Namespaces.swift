/// The global-namespace filter (1.19+, CFP-39876, reference/cilium-1.19-plus.md §C): identities
/// (by their `k8s:io.kubernetes.pod.namespace` label), CiliumEndpoints, CiliumEndpointSlices,
/// services, endpoint slices and service exports are published only while their namespace is
/// global; nodes, the cluster config, the heartbeat and the canaries never are filtered.
///
/// An upsert in a non-global namespace is a delete; (un)annotating a namespace re-evaluates
/// every object in it; deleting it deletes their keys. Identity and endpoint entries of a
/// non-global namespace are kept aside (`held`) rather than converted again later.
extension MirrorState {
    /// Cilium `IsGlobalNamespaceByName`. An object without a namespace is never global (upstream
    /// cannot determine it and skips the object); a namespace without a Namespace object is not
    /// global while `requireNamespaceObjects` (upstream retries until the namespace is known),
    /// else the default decides.
    func isGlobal(_ namespace: String) -> Bool {
        guard !namespace.isEmpty else { return false }
        if let object = namespaces[namespace] {
            return object.isGlobal(defaultGlobal: configuration.defaultGlobalNamespace)
        }
        return configuration.requireNamespaceObjects ? false : configuration.defaultGlobalNamespace
    }

    mutating func upsertNamespace(_ object: KubeNamespace) {
        let name = object.metadata.name
        let before = isGlobal(name)
        namespaces[name] = object
        if isGlobal(name) != before { reevaluate(namespace: name) }
    }

    mutating func deleteNamespace(_ name: String) {
        guard namespaces[name] != nil else { return }
        let before = isGlobal(name)
        namespaces.removeValue(forKey: name)
        if isGlobal(name) != before { reevaluate(namespace: name) }
    }

    /// Records (or moves) `owner` under `namespace`.
    mutating func index(_ owner: MeshOwner, namespace: String) {
        if let previous = namespaceOf.updateValue(namespace, forKey: owner) {
            guard previous != namespace else { return }
            removeFromIndex(owner, namespace: previous)
        }
        ownersByNamespace[namespace, default: []].insert(owner)
    }

    mutating func unindex(_ owner: MeshOwner) {
        guard let namespace = namespaceOf.removeValue(forKey: owner) else { return }
        removeFromIndex(owner, namespace: namespace)
    }

    private mutating func removeFromIndex(_ owner: MeshOwner, namespace: String) {
        ownersByNamespace[namespace]?.remove(owner)
        if ownersByNamespace[namespace]?.isEmpty == true { ownersByNamespace.removeValue(forKey: namespace) }
    }

    /// Publishes an identity's or endpoint's `entries` when its (indexed) namespace is global,
    /// else holds them back.
    mutating func setFiltered(_ owner: MeshOwner, _ entries: [MeshEntry]) {
        if isGlobal(namespaceOf[owner] ?? "") {
            held.removeValue(forKey: owner)
            setEntries(owner, entries)
        } else {
            if entries.isEmpty { held.removeValue(forKey: owner) } else { held[owner] = entries }
            setEntries(owner, [])
        }
    }

    /// Every object of `namespace` after its global status changed.
    mutating func reevaluate(namespace: String) {
        let global = isGlobal(namespace)
        for owner in ownersByNamespace[namespace] ?? [] {
            switch owner.kind {
            case .ciliumIdentity, .ciliumEndpoint, .ciliumEndpointSlice:
                if global {
                    if let entries = held.removeValue(forKey: owner) { setEntries(owner, entries) }
                } else if let produced = ownership.produced[owner] {
                    held[owner] = produced.map { MeshEntry(key: $0.key, value: $0.value) }
                    setEntries(owner, [])
                }
            case .service:
                recomputeService(owner.objectKey)
            case .endpointSlice:
                recomputeSliceExport(owner.objectKey)
            case .serviceExport:
                recomputeServiceExport(owner.objectKey)
            case .namespace, .ciliumNode:
                continue
            }
        }
    }
}
