import Mesh

/// A snapshot of one remote for the status API, `/clustermesh/v1/status`, metrics and readiness.
public struct RemoteClusterStatus: Sendable, Equatable {
    /// The cluster config as retrieved (`models.RemoteClusterConfig`).
    public struct Config: Sendable, Equatable {
        public var required: Bool
        public var retrieved: Bool
        public var clusterID: UInt32
        /// The remote is itself a KVStoreMesh cache (`cached`).
        public var kvstoremesh: Bool
        public var syncCanaries: Bool
        public var serviceExportsEnabled: Bool?
    }

    public var name: String
    /// Backend established (the heartbeat list of the current connection completed).
    public var connected: Bool
    /// Connected, config republished, and every enabled reflector synced on this connection.
    public var ready: Bool
    /// Connected and the config republished (upstream `Run` ready: what
    /// `remote_cluster_readiness_status` reports).
    public var published: Bool
    public var config: Config?
    /// The latched etcd `cluster_id` of the current connection, in hex.
    public var etcdClusterID: String?
    public var endpoints: Int
    public var configPath: String
    public var configSHA256: String
    /// Cached keys per kind.
    public var keys: [ReflectorKind: Int]
    public var enabled: Set<ReflectorKind>
    /// Initial list done on the current connection (disabled kinds count as synced).
    public var synced: Set<ReflectorKind>
    /// Local canaries written.
    public var canaries: Set<ReflectorKind>
    /// Entries dropped by validation or limits, per kind.
    public var rejected: [ReflectorKind: Int]
    public var failures: Int
    public var lastFailure: String?
    /// Wall clock seconds since the epoch.
    public var lastFailureTime: Double?
    /// Services and service exports were revoked after `--clustermesh-cache-ttl`.
    public var revoked: Bool

    /// Every reflector wrote its canary (what the ready gate waits for).
    public var allCanariesWritten: Bool { canaries.count == ReflectorKind.allCases.count }

    /// The etcd backend status line (`pkg/kvstore/etcd.go` `statusChecker` with endpoint status
    /// checks disabled, as for every clustermesh client, plus `, ID: <cluster_id hex>`).
    public var statusText: String {
        guard connected else { return "Waiting for initial connection to be established" }
        var text = "etcd: \(endpoints)/\(endpoints) connected, leases=0, lock leases=0, has-quorum=true: endpoint status checks are disabled"
        if let etcdClusterID { text += ", ID: \(etcdClusterID)" }
        return text
    }
}

extension RemoteCluster {
    var status: RemoteClusterStatus {
        state.withLock { s in
            let config = s.configRequested
                ? RemoteClusterStatus.Config(
                    required: true, retrieved: s.remoteConfig != nil, clusterID: s.remoteConfig?.id ?? 0,
                    kvstoremesh: s.remoteConfig?.cached ?? false, syncCanaries: s.remoteConfig?.syncedCanaries ?? false,
                    serviceExportsEnabled: s.remoteConfig?.serviceExportsEnabled)
                : nil
            let ready = s.connected && s.ready && ReflectorKind.allCases.allSatisfy { s.synced.contains($0) }
            return RemoteClusterStatus(
                name: name, connected: s.connected, ready: ready, published: s.connected && s.ready, config: config,
                etcdClusterID: s.etcdClusterID.map { String($0, radix: 16) }, endpoints: s.endpoints,
                configPath: s.file.path, configSHA256: s.file.sha256, keys: s.entries, enabled: s.enabled,
                synced: s.synced, canaries: s.canaries, rejected: s.rejected, failures: s.failures,
                lastFailure: s.lastFailure, lastFailureTime: s.lastFailureWall, revoked: s.revoked)
        }
    }
}

/// `GET /v1/cluster` of the KVStoreMesh API (`api/v1/kvstoremesh/openapi.yaml`,
/// reference/cilium-1.19-plus.md §A.3): a JSON array of go-swagger `RemoteCluster` models,
/// sorted by name, keys in alphabetical order, every field `omitempty` except `last-failure`
/// (a `strfmt.DateTime` struct, RFC 3339 with milliseconds; the zero time when none).
public enum KVStoreMeshStatusJSON {
    public static func encode(_ remotes: [RemoteClusterStatus]) -> [UInt8] {
        GoJSON.array(remotes.sorted { $0.name < $1.name }.map(model)).encoded
    }

    static func model(_ r: RemoteClusterStatus) -> GoJSON {
        var f: [GoJSONField] = []
        if let c = r.config {
            var cf: [GoJSONField] = []
            if c.clusterID != 0 { cf.append(GoJSONField("cluster-id", .int(Int64(c.clusterID)))) }
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
        count("num-endpoints", .endpoints)
        if r.failures != 0 { f.append(GoJSONField("num-failures", .int(Int64(r.failures)))) }
        count("num-identities", .identities)
        count("num-nodes", .nodes)
        count("num-service-exports", .serviceExports)
        count("num-shared-services", .services)
        if r.ready { f.append(GoJSONField("ready", .bool(true))) }
        f.append(GoJSONField("status", .string(r.statusText)))
        var sf: [GoJSONField] = []
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
