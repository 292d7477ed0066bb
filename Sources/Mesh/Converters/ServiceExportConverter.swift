/// ServiceExport + Service → `cilium/state/serviceexports/v1/<C>/<ns>/<name>` with
/// `--clustermesh-enable-mcs-api` (Cilium `FromCiliumServiceToMCSAPIServiceSpec`, reference §1.9;
/// newest fields per cilium-1.19-plus.md §D). The global-namespace filter is the mirror's.
/// Nothing is produced without the Service of the same namespace/name, or for `ExternalName`
/// services (not exportable).
public enum ServiceExportConverter {
    public static func convert(_ export: KubeServiceExport, service: KubeService?, cluster: MeshClusterInfo) -> MeshConversion {
        guard let service, let value = spec(export, service: service, cluster: cluster) else { return MeshConversion() }
        return MeshConversion(entries: [MeshEntry(key: value.key, value: value.jsonBytes)])
    }

    public static func spec(_ export: KubeServiceExport, service: KubeService, cluster: MeshClusterInfo) -> MCSAPIServiceSpecValue? {
        let spec = service.spec
        guard spec?.type != "ExternalName" else { return nil }
        let ports = (spec?.ports ?? []).map { port in
            MCSAPIServiceSpecValue.Port(
                name: port.name ?? "", protocol: port.protocol ?? "", appProtocol: port.appProtocol,
                port: Int32(truncatingIfNeeded: port.port ?? 0))
        }
        return MCSAPIServiceSpecValue(
            cluster: cluster.name, name: service.metadata.name, namespace: service.metadata.namespace ?? "",
            annotations: export.spec?.exportedAnnotations, labels: export.spec?.exportedLabels,
            exportCreationTimestamp: export.metadata.creationTimestamp.flatMap(GoTime.parseRFC3339),
            ports: ports,
            type: spec?.clusterIP == "None" ? MCSAPIServiceSpecValue.typeHeadless : MCSAPIServiceSpecValue.typeClusterSetIP,
            sessionAffinity: spec?.sessionAffinity ?? "",
            sessionAffinityTimeoutSeconds: spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds.map {
                Int32(truncatingIfNeeded: $0)
            },
            ipFamilies: spec?.ipFamilies ?? [], internalTrafficPolicy: spec?.internalTrafficPolicy,
            trafficDistribution: spec?.trafficDistribution)
    }
}
