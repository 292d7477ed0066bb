import Mesh

/// `GET /v1/cluster` of the KVStoreMesh API (`api/v1/kvstoremesh/openapi.yaml`,
/// reference/cilium-1.19-plus.md §A.3): a JSON array of go-swagger `RemoteCluster` models,
/// sorted by name, keys in alphabetical order, every field `omitempty` except `last-failure`
/// (a `strfmt.DateTime` struct, RFC 3339 with milliseconds; the zero time when none).
/// The endpoint-slice fields (`config.endpoint-slices-export-mode`, `num-endpoint-slices`,
/// `synced.endpoint-slices`) follow main's PR #46506 as third-party notes name them
/// (reference §A.3, unconfirmed in Cilium source); clients ignore unknown fields.
public enum KVStoreMeshStatusJSON {
    public static func encode(_ remotes: [RemoteClusterStatus]) -> [UInt8] {
        GoJSON.array(remotes.sorted { $0.name < $1.name }.map(model)).encoded
    }

    static func model(_ r: RemoteClusterStatus) -> GoJSON {
        var f: [GoJSONField] = []
        if let c = r.config {
            var cf: [GoJSONField] = []
            if c.clusterID != 0 { cf.append(GoJSONField("cluster-id", .int(Int64(c.clusterID)))) }
            if !c.endpointSlicesExportMode.isEmpty {
                cf.append(GoJSONField("endpoint-slices-export-mode", .string(c.endpointSlicesExportMode)))
            }
            if c.kvstoremesh { cf.append(GoJSONField("kvstoremesh", .bool(true))) }
            if c.required { cf.append(GoJSONField("required", .bool(true))) }
            if c.retrieved { cf.append(GoJSONField("retrieved", .bool(true))) }
            if let se = c.serviceExportsEnabled { cf.append(GoJSONField("service-exports-enabled", .bool(se))) }
            if c.syncCanaries { cf.append(GoJSONField("sync-canaries", .bool(true))) }
            f.append(GoJSONField("config", .object(cf)))
        }
        if r.connected { f.append(GoJSONField("connected", .bool(true))) }
        f.append(GoJSONField("last-failure", .string(dateTime(r.lastFailureTime))))
        if !r.name.isEmpty { f.append(GoJSONField("name", .string(r.name))) }
        func count(_ label: String, _ kind: ReflectorKind) {
            let n = r.keys[kind] ?? 0
            if n != 0 { f.append(GoJSONField(label, .int(Int64(n)))) }
        }
        count("num-endpoint-slices", .endpointSlices)
        count("num-endpoints", .endpoints)
        if r.failures != 0 { f.append(GoJSONField("num-failures", .int(Int64(r.failures)))) }
        count("num-identities", .identities)
        count("num-nodes", .nodes)
        count("num-service-exports", .serviceExports)
        count("num-shared-services", .services)
        if r.ready { f.append(GoJSONField("ready", .bool(true))) }
        f.append(GoJSONField("status", .string(r.statusText)))
        var sf: [GoJSONField] = []
        if r.enabled.contains(.endpointSlices) {
            sf.append(GoJSONField(ReflectorKind.endpointSlices.statusName, .bool(r.synced.contains(.endpointSlices))))
        }
        for kind in [ReflectorKind.endpoints, .identities, .nodes] where r.synced.contains(kind) {
            sf.append(GoJSONField(kind.statusName, .bool(true)))
        }
        if r.config?.serviceExportsEnabled != nil {
            sf.append(GoJSONField(ReflectorKind.serviceExports.statusName, .bool(r.synced.contains(.serviceExports))))
        }
        if r.synced.contains(.services) { sf.append(GoJSONField(ReflectorKind.services.statusName, .bool(true))) }
        f.append(GoJSONField("synced", .object(sf)))
        return .object(f)
    }

    /// `strfmt.DateTime` JSON: `2006-01-02T15:04:05.000Z07:00` in UTC; nil is Go's zero time.
    public static func dateTime(_ wallSeconds: Double?) -> String {
        guard let wallSeconds else { return "0001-01-01T00:00:00.000Z" }
        let whole = wallSeconds.rounded(.down)
        let millis = min(999, Int(((wallSeconds - whole) * 1000).rounded(.down)))
        let base = GoTime.rfc3339(secondsSinceEpoch: Int64(whole))
        let ms = String(millis)
        return String(base.dropLast()) + "." + String(repeating: "0", count: 3 - ms.count) + ms + "Z"
    }
}
