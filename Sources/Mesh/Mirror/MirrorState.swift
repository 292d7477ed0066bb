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
        switch object {
        case .ciliumNode(let node):
            conversion = CiliumNodeConverter.convert(node, cluster: cluster)
        case .ciliumIdentity(let identity):
            conversion = CiliumIdentityConverter.convert(identity, cluster: cluster)
        case .ciliumEndpoint(let endpoint):
            conversion = CiliumEndpointConverter.convert(endpoint)
        case .ciliumEndpointSlice(let slice):
            conversion = CiliumEndpointSliceConverter.convert(slice)
        case .service(let service):
            services[objectKey] = service
            recomputeService(objectKey)
            recomputeServiceExport(objectKey)
            return
        case .endpointSlice(let slice):
            let previous = endpointSlices.updateValue(slice, forKey: objectKey)?.serviceKey
            let current = slice.serviceKey
            if previous != current, let previous { unindexSlice(objectKey, from: previous) }
            if let current { slicesByService[current, default: []].insert(objectKey) }
            if previous != current, let previous { recomputeService(previous) }
            if let current { recomputeService(current) }
            return
        case .serviceExport(let export):
            serviceExports[objectKey] = export
            recomputeServiceExport(objectKey)
            return
        }
        if !conversion.rejections.isEmpty {
            result.rejections += conversion.rejections
            totalRejections += conversion.rejections.count
        }
        setEntries(owner, conversion.entries)
    }

    private mutating func delete(_ kind: KubeKind, _ objectKey: String) {
        known[kind]?.remove(objectKey)
        relisting[kind]?.remove(objectKey)
        switch kind {
        case .service:
            guard services.removeValue(forKey: objectKey) != nil else { return }
            recomputeService(objectKey)
            recomputeServiceExport(objectKey)
        case .endpointSlice:
            guard let slice = endpointSlices.removeValue(forKey: objectKey) else { return }
            if let service = slice.serviceKey {
                unindexSlice(objectKey, from: service)
                recomputeService(service)
            }
        case .serviceExport:
            guard serviceExports.removeValue(forKey: objectKey) != nil else { return }
            recomputeServiceExport(objectKey)
        case .ciliumNode, .ciliumIdentity, .ciliumEndpoint, .ciliumEndpointSlice:
            setEntries(MeshOwner(kind: kind, objectKey: objectKey), [])
        }
    }

    private mutating func unindexSlice(_ slice: String, from service: String) {
        slicesByService[service]?.remove(slice)
        if slicesByService[service]?.isEmpty == true { slicesByService.removeValue(forKey: service) }
    }

    mutating func recomputeService(_ serviceKey: String) {
        let owner = MeshOwner(kind: .service, objectKey: serviceKey)
        guard configuration.resources.contains(.services), let service = services[serviceKey] else {
            return setEntries(owner, [])
        }
        let slices = (slicesByService[serviceKey] ?? []).sorted().compactMap { endpointSlices[$0] }
        setEntries(owner, ServiceConverter.convert(service, endpointSlices: slices, cluster: cluster).entries)
    }

    mutating func recomputeServiceExport(_ serviceKey: String) {
        let owner = MeshOwner(kind: .serviceExport, objectKey: serviceKey)
        guard configuration.enableMCSAPI, configuration.resources.contains(.serviceExports),
            let export = serviceExports[serviceKey]
        else { return setEntries(owner, []) }
        setEntries(owner, ServiceExportConverter.convert(export, service: services[serviceKey], cluster: cluster).entries)
    }

    private mutating func setEntries(_ owner: MeshOwner, _ entries: [MeshEntry]) {
        var touched: [String] = []
        ownership.set(owner, entries: entries) { touched.append($0) }
        for key in touched where dirtySet.insert(key).inserted { dirty.append(key) }
    }
}
