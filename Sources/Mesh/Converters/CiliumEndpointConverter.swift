/// CiliumEndpoint → `cilium/state/ip/v1/default/<ip>` (Cilium `ciliumEndpointMapper`; reference
/// §1.5): one entry per non-empty `ipv4`/`ipv6` of every `status.networking.addressing[]` item,
/// keyed by Go's `net.IP.String()` form, with `K8sServiceAccount` from `status.service-account`
/// (1.19+). Unparsable IPs are rejected (Go would write `<nil>`).
public enum CiliumEndpointConverter {
    public static func convert(_ endpoint: CiliumEndpoint) -> MeshConversion {
        let status = endpoint.status
        return entries(
            kind: .ciliumEndpoint, object: endpoint.metadata.objectKey, networking: status?.networking,
            identity: status?.identity?.id ?? 0, encryptionKey: status?.encryption?.key ?? 0,
            namespace: endpoint.metadata.namespace ?? "", podName: endpoint.metadata.name,
            serviceAccount: status?.serviceAccount ?? "")
    }

    /// Shared with `CiliumEndpointSliceConverter`.
    static func entries(
        kind: KubeKind, object: String, networking: EndpointNetworking?, identity: Int64, encryptionKey: Int64,
        namespace: String, podName: String, serviceAccount: String, into out: inout MeshConversion
    ) {
        guard let networking else { return }
        let hostIP = networking.node.flatMap(GoIP.init)
        for address in networking.addressing ?? [] {
            for text in [address.ipv4, address.ipv6] {
                guard let text, !text.isEmpty else { continue }
                guard let ip = GoIP(text) else {
                    out.rejections.append(MeshRejection(kind: kind, object: object, reason: "invalid IP address \"\(text)\""))
                    continue
                }
                let pair = IPIdentityPairValue(
                    ip: ip, hostIP: hostIP, id: UInt32(truncatingIfNeeded: identity),
                    key: UInt8(truncatingIfNeeded: encryptionKey), k8sNamespace: namespace, k8sPodName: podName,
                    k8sServiceAccount: serviceAccount)
                out.entries.append(MeshEntry(key: pair.keyPath, value: pair.jsonBytes))
            }
        }
    }

    static func entries(
        kind: KubeKind, object: String, networking: EndpointNetworking?, identity: Int64, encryptionKey: Int64,
        namespace: String, podName: String, serviceAccount: String
    ) -> MeshConversion {
        var out = MeshConversion()
        entries(
            kind: kind, object: object, networking: networking, identity: identity, encryptionKey: encryptionKey,
            namespace: namespace, podName: podName, serviceAccount: serviceAccount, into: &out)
        return out
    }
}
