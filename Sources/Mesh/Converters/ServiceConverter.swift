/// Service + its EndpointSlices → `cilium/state/services/v1/<C>/<ns>/<name>` (Cilium
/// `DefaultClusterServiceConverter`, reference §1.3).
///
/// * Exported only when `service.cilium.io/global` (alias `io.cilium/global-service`) is `true`
///   (case-insensitive) and `service.cilium.io/shared` (alias `io.cilium/shared-service`), when
///   present, is `true` too; otherwise the service produces no entry (its key is deleted).
/// * Headless (`clusterIP: None`, any case, or label `service.kubernetes.io/headless`): no
///   frontends. Otherwise every `spec.clusterIPs` (fallback `spec.clusterIP`) gets all ports.
/// * Backends: addresses of `IPv4`/`IPv6` slices, the last occurrence of an address wins; kept
///   when ready or serving (nil counts as true); ports from the slice, hostname when set, zone
///   and `hints.forZones` when the endpoint has a zone (1.19+ `zones`).
/// * The global-namespace filter (1.19+) is the mirror's: it calls this only for services in
///   global namespaces.
public enum ServiceConverter {
    public static let globalAnnotation = "service.cilium.io/global"
    public static let globalAnnotationAlias = "io.cilium/global-service"
    public static let sharedAnnotation = "service.cilium.io/shared"
    public static let sharedAnnotationAlias = "io.cilium/shared-service"
    public static let headlessLabel = "service.kubernetes.io/headless"
    public static let serviceProxyNameLabel = "service.kubernetes.io/service-proxy-name"

    /// `annotation.GetAnnotationShared`.
    public static func isShared(_ service: KubeService) -> Bool {
        guard let global = service.metadata.annotation(globalAnnotation, globalAnnotationAlias),
            global.lowercased() == "true"
        else { return false }
        guard let shared = service.metadata.annotation(sharedAnnotation, sharedAnnotationAlias) else { return true }
        return shared.lowercased() == "true"
    }

    public static func isHeadless(_ service: KubeService) -> Bool {
        service.metadata.labels?[headlessLabel] != nil || service.spec?.clusterIP?.lowercased() == "none"
    }

    /// The apiserver's service watch selector: label `service.kubernetes.io/service-proxy-name`
    /// absent, or equal to `--k8s-service-proxy-name` when that is set.
    public static func isSelected(_ service: KubeService, serviceProxyName: String?) -> Bool {
        let label = service.metadata.labels?[serviceProxyNameLabel]
        guard let serviceProxyName, !serviceProxyName.isEmpty else { return label == nil }
        return label == serviceProxyName
    }

    /// `endpointSlices` are the slices labelled `kubernetes.io/service-name: <name>` in the
    /// service's namespace, in the order they should override each other.
    public static func convert(_ service: KubeService, endpointSlices: [KubeEndpointSlice], cluster: MeshClusterInfo) -> MeshConversion {
        guard let value = clusterService(service, endpointSlices: endpointSlices, cluster: cluster) else {
            return MeshConversion()
        }
        return MeshConversion(entries: [MeshEntry(key: value.key, value: value.jsonBytes)])
    }

    /// The exported `ClusterService`, nil when the service is not global and shared.
    public static func clusterService(
        _ service: KubeService, endpointSlices: [KubeEndpointSlice], cluster: MeshClusterInfo
    ) -> ClusterServiceValue? {
        guard isShared(service) else { return nil }
        let spec = service.spec
        var value = ClusterServiceValue(
            cluster: cluster.name, namespace: service.metadata.namespace ?? "", name: service.metadata.name,
            labels: service.metadata.labels ?? [:], selector: spec?.selector ?? [:], clusterID: cluster.id)
        if !isHeadless(service) {
            var ports: ClusterServiceValue.PortConfiguration = [:]
            for port in spec?.ports ?? [] {
                ports[port.name ?? ""] = .init(
                    protocol: port.protocol ?? "TCP", port: UInt16(truncatingIfNeeded: port.port ?? 0))
            }
            var frontends: [String: ClusterServiceValue.PortConfiguration] = [:]
            let clusterIPs = spec?.clusterIPs ?? []
            for ip in clusterIPs.isEmpty ? [spec?.clusterIP ?? ""] : clusterIPs {
                frontends[ip] = ports
            }
            value.frontends = frontends
        }
        var backends: [String: ClusterServiceValue.PortConfiguration] = [:]
        var hostnames: [String: String] = [:]
        var zones: [String: ClusterServiceValue.BackendZone] = [:]
        for (address, backend) in self.backends(endpointSlices) where backend.active {
            backends[address] = backend.ports
            if !backend.hostname.isEmpty { hostnames[address] = backend.hostname }
            if !backend.zone.isEmpty { zones[address] = .init(zone: backend.zone, forZones: backend.forZones) }
        }
        value.backends = backends
        value.hostnames = hostnames
        value.zones = zones
        return value
    }

    struct Backend {
        var active: Bool
        var ports: ClusterServiceValue.PortConfiguration
        var hostname: String
        var zone: String
        var forZones: [String]
    }

    /// `ParseEndpointSliceV1` over all slices: address text (netip form) → backend, last wins.
    static func backends(_ slices: [KubeEndpointSlice]) -> [String: Backend] {
        var out: [String: Backend] = [:]
        for slice in slices {
            guard slice.addressType == "IPv4" || slice.addressType == "IPv6" else { continue }
            var ports: ClusterServiceValue.PortConfiguration = [:]
            for port in slice.ports ?? [] {
                let proto = port.protocol ?? "TCP"
                guard proto == "TCP" || proto == "UDP" || proto == "SCTP", let number = port.port else { continue }
                ports[port.name ?? ""] = .init(protocol: proto, port: UInt16(truncatingIfNeeded: number))
            }
            for endpoint in slice.endpoints ?? [] {
                let ready = endpoint.conditions?.ready ?? true
                let serving = endpoint.conditions?.serving ?? true
                let backend = Backend(
                    active: ready || serving, ports: ports, hostname: endpoint.hostname ?? "", zone: endpoint.zone ?? "",
                    forZones: (endpoint.hints?.forZones ?? []).map { $0.name ?? "" })
                for address in endpoint.addresses ?? [] {
                    guard let text = addressText(address) else { continue }
                    out[text] = backend
                }
            }
        }
        return out
    }

    /// Go `netip.Addr.String()` of a parsed address (IPv4-mapped IPv6 keeps its `::ffff:` form);
    /// nil when `netip.ParseAddr` would fail.
    static func addressText(_ text: String) -> String? {
        guard let ip = GoIP(text) else { return nil }
        if ip.bytes.count == 16, let v4 = ip.ipv4Bytes {
            return "::ffff:" + v4.map { String($0) }.joined(separator: ".")
        }
        return ip.description
    }
}
