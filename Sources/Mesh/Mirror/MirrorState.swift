import MVCC

/// The mirror's bookkeeping, guarded by `MeshMirror`'s lock.
struct MirrorState {
    let configuration: MeshMirrorConfiguration
    let consumed: Set<KubeKind>
    var ownership = KeyOwnership()
    /// What the mirror last wrote per state key.
    var written: [String: [UInt8]] = [:]
    /// Keys whose desired value may differ from `written`, in first-touch order.
    var dirty: [String] = []
    var dirtySet: Set<String> = []
    /// Objects per kind (for relists and counters).
    var known: [KubeKind: Set<String>] = [:]
    /// Objects seen since `beginRelist`, per kind being relisted.
    var relisting: [KubeKind: Set<String>] = [:]
    var listed: Set<KubeKind> = []
    var canaries: Set<MeshResource> = []
    var started = false
    // Objects kept because other objects' entries depend on them.
    var services: [String: KubeService] = [:]
    var endpointSlices: [String: KubeEndpointSlice] = [:]
    /// Service `ns/name` → slice `ns/name`s labelled for it.
    var slicesByService: [String: Set<String>] = [:]
    var serviceExports: [String: KubeServiceExport] = [:]
    // The global-namespace filter (`MirrorState+Namespaces.swift`).
    var namespaces: [String: KubeNamespace] = [:]
    /// Namespace of every filtered object (identities, endpoints, services, slices, exports).
    var namespaceOf: [MeshOwner: String] = [:]
    var ownersByNamespace: [String: Set<MeshOwner>] = [:]
    /// Entries of identities/endpoints held back because their namespace is not global.
    var held: [MeshOwner: [MeshEntry]] = [:]
    /// Rejections found outside an upsert (re-conversions); reported by the next flush.
    var pendingRejections: [MeshRejection] = []
    // Counters.
    var keyCounts: [MeshResource: Int] = [:]
    var totalPuts = 0
    var totalDeletes = 0
    var totalRejections = 0
    var totalStoreErrors = 0

    init(configuration: MeshMirrorConfiguration) {
        self.configuration = configuration
        self.consumed = configuration.consumedKinds
    }

    var cluster: MeshClusterInfo { configuration.cluster }

    var isReady: Bool { configuration.resources.isSubset(of: canaries) }

    var status: MeshMirrorStatus {
        MeshMirrorStatus(
            keys: keyCounts, objects: known.mapValues(\.count), canaries: canaries, initialListsDone: listed,
            isReady: isReady, totalPuts: totalPuts, totalDeletes: totalDeletes, totalRejections: totalRejections,
            totalStoreErrors: totalStoreErrors, pendingKeys: dirty.count)
    }

    // MARK: - Events

    mutating func handle(_ event: MeshEvent, into result: inout MeshApplyResult) {
        switch event {
        case .upsert(let object):
            guard consumed.contains(object.kind) else { return result.ignoredEvents += 1 }
            upsert(object, into: &result)
        case .delete(let kind, let objectKey):
            guard consumed.contains(kind) else { return result.ignoredEvents += 1 }
            delete(kind, objectKey)
        case .beginRelist(let kind):
            guard consumed.contains(kind) else { return result.ignoredEvents += 1 }
            relisting[kind] = []
        case .relistDone(let kind):
            guard consumed.contains(kind) else { return result.ignoredEvents += 1 }
            finishRelist(kind)
        case .replaceAll(let kind, let objects):
            guard consumed.contains(kind) else { return result.ignoredEvents += 1 }
            relisting[kind] = []
            for object in objects where object.kind == kind { upsert(object, into: &result) }
            finishRelist(kind)
        case .initialListDone(let kind):
            guard consumed.contains(kind) else { return result.ignoredEvents += 1 }
            listed.insert(kind)
        }
    }

    private mutating func finishRelist(_ kind: KubeKind) {
        if let seen = relisting.removeValue(forKey: kind) {
            for objectKey in known[kind, default: []].subtracting(seen) { delete(kind, objectKey) }
        }
        listed.insert(kind)
    }

    private mutating func upsert(_ object: KubeObject, into result: inout MeshApplyResult) {
        let kind = object.kind
        let objectKey = object.objectKey
        if kind == .service, case .service(let service) = object,
            !ServiceConverter.isSelected(service, serviceProxyName: configuration.serviceProxyName)
        {
            // Outside the watch selector: as if it did not exist.
            return delete(kind, objectKey)
        }
        known[kind, default: []].insert(objectKey)
        relisting[kind]?.insert(objectKey)
        let owner = MeshOwner(kind: kind, objectKey: objectKey)
        let conversion: MeshConversion
        let namespace: String
        switch object {
        case .namespace(let ns):
            return upsertNamespace(ns)
        case .ciliumNode(let node):
            // Nodes are never filtered by namespace.
            let conversion = CiliumNodeConverter.convert(node, cluster: cluster)
            record(conversion.rejections, into: &result)
            return setEntries(owner, conversion.entries)
        case .ciliumIdentity(let identity):
            conversion = CiliumIdentityConverter.convert(identity, cluster: cluster)
            namespace = identity.securityLabels?[CiliumIdentityConverter.podNamespaceLabel] ?? ""
        case .ciliumEndpoint(let endpoint):
            conversion = CiliumEndpointConverter.convert(endpoint)
            namespace = endpoint.metadata.namespace ?? ""
        case .ciliumEndpointSlice(let slice):
            conversion = CiliumEndpointSliceConverter.convert(slice)
            namespace = slice.namespace ?? ""
        case .service(let service):
            services[objectKey] = service
            index(owner, namespace: service.metadata.namespace ?? "")
            recomputeService(objectKey)
            recomputeServiceExport(objectKey)
            recomputeSliceExports(ofService: objectKey)
            return
        case .endpointSlice(let slice):
            let previous = endpointSlices.updateValue(slice, forKey: objectKey)?.serviceKey
            let current = slice.serviceKey
            index(owner, namespace: slice.metadata.namespace ?? "")
            if previous != current, let previous { unindexSlice(objectKey, from: previous) }
            if let current { slicesByService[current, default: []].insert(objectKey) }
            if previous != current, let previous { recomputeService(previous) }
            if let current { recomputeService(current) }
            recomputeSliceExport(objectKey)
            return
        case .serviceExport(let export):
            serviceExports[objectKey] = export
            index(owner, namespace: export.metadata.namespace ?? "")
            recomputeServiceExport(objectKey)
            return
        }
        record(conversion.rejections, into: &result)
        index(owner, namespace: namespace)
        setFiltered(owner, conversion.entries)
    }

    private mutating func delete(_ kind: KubeKind, _ objectKey: String) {
        known[kind]?.remove(objectKey)
        relisting[kind]?.remove(objectKey)
        let owner = MeshOwner(kind: kind, objectKey: objectKey)
        switch kind {
        case .namespace:
            deleteNamespace(objectKey)
        case .service:
            guard services.removeValue(forKey: objectKey) != nil else { return }
            unindex(owner)
            recomputeService(objectKey)
            recomputeServiceExport(objectKey)
            recomputeSliceExports(ofService: objectKey)
        case .endpointSlice:
            guard let slice = endpointSlices.removeValue(forKey: objectKey) else { return }
            unindex(owner)
            if let service = slice.serviceKey {
                unindexSlice(objectKey, from: service)
                recomputeService(service)
            }
            setEntries(owner, [])
        case .serviceExport:
            guard serviceExports.removeValue(forKey: objectKey) != nil else { return }
            unindex(owner)
            recomputeServiceExport(objectKey)
        case .ciliumNode:
            setEntries(owner, [])
        case .ciliumIdentity, .ciliumEndpoint, .ciliumEndpointSlice:
            unindex(owner)
            held.removeValue(forKey: owner)
            setEntries(owner, [])
        }
    }

    mutating func record(_ rejections: [MeshRejection], into result: inout MeshApplyResult) {
        guard !rejections.isEmpty else { return }
        result.rejections += rejections
        totalRejections += rejections.count
    }

    private mutating func unindexSlice(_ slice: String, from service: String) {
        slicesByService[service]?.remove(slice)
        if slicesByService[service]?.isEmpty == true { slicesByService.removeValue(forKey: service) }
    }

    mutating func setEntries(_ owner: MeshOwner, _ entries: [MeshEntry]) {
        var touched: [String] = []
        ownership.set(owner, entries: entries) { touched.append($0) }
        for key in touched where dirtySet.insert(key).inserted { dirty.append(key) }
    }
}
