/// EndpointSlice → `cilium/state/endpointslices/v1/<C>/<ns>/<slice>` (1.20+
/// `DefaultClusterEndpointSliceConverter`, reference/cilium-1.19-plus.md §B.3).
///
/// Exported only when the Service named by the slice's `kubernetes.io/service-name` label exists
/// in the slice's namespace and is shared (`ServiceConverter.isShared`); the global-namespace
/// check is the mirror's. Everything else is copied verbatim: labels, annotations, address type,
/// every endpoint (not-ready ones too, with their conditions) and the ports. FQDN slices (and
/// any other address type) are rejected: upstream writes them, but every reader refuses them
/// (`validate`), so publishing them only produces errors on the peers.
public enum EndpointSliceConverter {
    public static func convert(_ slice: KubeEndpointSlice, service: KubeService?, cluster: MeshClusterInfo) -> MeshConversion {
        guard let service, ServiceConverter.isShared(service) else { return MeshConversion() }
        let object = slice.metadata.objectKey
        let addressType = slice.addressType ?? ""
        guard addressType == "IPv4" || addressType == "IPv6" else {
            return MeshConversion(rejections: [
                MeshRejection(kind: .endpointSlice, object: object, reason: "address type \"\(addressType)\" is not exported (readers accept IPv4 and IPv6 only)")
            ])
        }
        let value = clusterEndpointSlice(slice, cluster: cluster)
        do {
            return MeshConversion(entries: [MeshEntry(key: value.key, value: try value.encoded())])
        } catch {
            return MeshConversion(rejections: [MeshRejection(kind: .endpointSlice, object: object, reason: error.description)])
        }
    }

    /// The `ClusterEndpointSlice` for `slice` (no export checks).
    public static func clusterEndpointSlice(_ slice: KubeEndpointSlice, cluster: MeshClusterInfo) -> ClusterEndpointSliceValue {
        ClusterEndpointSliceValue(
            cluster: cluster.name, clusterID: cluster.id, namespace: slice.metadata.namespace ?? "",
            name: slice.metadata.name, labels: slice.metadata.labels ?? [:], annotations: slice.metadata.annotations ?? [:],
            addressType: slice.addressType ?? "",
            endpoints: (slice.endpoints ?? []).map { e in
                ClusterEndpointSliceValue.Endpoint(
                    addresses: e.addresses ?? [],
                    conditions: .init(ready: e.conditions?.ready, serving: e.conditions?.serving, terminating: e.conditions?.terminating),
                    hostname: e.hostname, deprecatedTopology: e.deprecatedTopology ?? [:], nodeName: e.nodeName, zone: e.zone,
                    forZones: e.hints.map { ($0.forZones ?? []).map { $0.name ?? "" } })
            },
            ports: (slice.ports ?? []).map { p in
                ClusterEndpointSliceValue.Port(
                    name: p.name, protocol: p.protocol, port: p.port.map { Int32(truncatingIfNeeded: $0) })
            })
    }
}
