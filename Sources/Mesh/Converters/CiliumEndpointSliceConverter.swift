/// CiliumEndpointSlice → `cilium/state/ip/v1/default/<ip>` with `--enable-cilium-endpoint-slice`
/// (Cilium `ciliumEndpointSliceMapper`): as `CiliumEndpointConverter` for every embedded endpoint,
/// with `ID` = `endpoints[].id`, namespace = the slice's `namespace`, pod name = `endpoints[].name`,
/// `K8sServiceAccount` = `endpoints[].service-account`.
public enum CiliumEndpointSliceConverter {
    public static func convert(_ slice: CiliumEndpointSlice) -> MeshConversion {
        var out = MeshConversion()
        for endpoint in slice.endpoints ?? [] {
            CiliumEndpointConverter.entries(
                kind: .ciliumEndpointSlice, object: slice.metadata.objectKey, networking: endpoint.networking,
                identity: endpoint.id ?? 0, encryptionKey: endpoint.encryption?.key ?? 0,
                namespace: slice.namespace ?? "", podName: endpoint.name ?? "",
                serviceAccount: endpoint.serviceAccount ?? "", into: &out)
        }
        return out
    }
}
