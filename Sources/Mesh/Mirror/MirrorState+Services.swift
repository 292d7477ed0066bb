/// Entries that depend on several objects: a service's `ClusterService` (its slices), its
/// `MCSAPIServiceSpec` (its ServiceExport) and each slice's `ClusterEndpointSlice` (its service).
extension MirrorState {
    /// `services/v1/<C>/<ns>/<name>` from the service and its slices.
    mutating func recomputeService(_ serviceKey: String) {
        let owner = MeshOwner(kind: .service, objectKey: serviceKey)
        guard configuration.resources.contains(.services), configuration.exportsLegacyServices,
            let service = services[serviceKey], isGlobal(service.metadata.namespace ?? "")
        else {
            return setEntries(owner, [])
        }
        let slices = (slicesByService[serviceKey] ?? []).sorted().compactMap { endpointSlices[$0] }
        setEntries(owner, ServiceConverter.convert(service, endpointSlices: slices, cluster: cluster).entries)
    }

    /// `serviceexports/v1/<C>/<ns>/<name>` from the ServiceExport and the service.
    mutating func recomputeServiceExport(_ serviceKey: String) {
        let owner = MeshOwner(kind: .serviceExport, objectKey: serviceKey)
        guard configuration.enableMCSAPI, configuration.resources.contains(.serviceExports),
            let export = serviceExports[serviceKey], isGlobal(export.metadata.namespace ?? "")
        else { return setEntries(owner, []) }
        setEntries(owner, ServiceExportConverter.convert(export, service: services[serviceKey], cluster: cluster).entries)
    }

    /// `endpointslices/v1/<C>/<ns>/<slice>` from the slice and its service.
    mutating func recomputeSliceExport(_ sliceKey: String) {
        let owner = MeshOwner(kind: .endpointSlice, objectKey: sliceKey)
        guard configuration.resources.contains(.endpointSlices), let slice = endpointSlices[sliceKey],
            isGlobal(slice.metadata.namespace ?? "")
        else { return setEntries(owner, []) }
        let conversion = EndpointSliceConverter.convert(
            slice, service: slice.serviceKey.flatMap { services[$0] }, cluster: cluster)
        pendingRejections += conversion.rejections
        setEntries(owner, conversion.entries)
    }

    /// Every slice labelled for `serviceKey` (the service appeared, changed or went away).
    mutating func recomputeSliceExports(ofService serviceKey: String) {
        for slice in (slicesByService[serviceKey] ?? []).sorted() { recomputeSliceExport(slice) }
    }
}
