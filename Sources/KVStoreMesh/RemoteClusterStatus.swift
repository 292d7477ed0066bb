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
        public var endpointSlicesExportMode: String

        public init(
            required: Bool, retrieved: Bool, clusterID: UInt32, kvstoremesh: Bool, syncCanaries: Bool, serviceExportsEnabled: Bool?,
            endpointSlicesExportMode: String = ""
        ) {
            self.endpointSlicesExportMode = endpointSlicesExportMode
            self.required = required
            self.retrieved = retrieved
            self.clusterID = clusterID
            self.kvstoremesh = kvstoremesh
            self.syncCanaries = syncCanaries
            self.serviceExportsEnabled = serviceExportsEnabled
        }
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

    public init(
        name: String, connected: Bool, ready: Bool, published: Bool, config: Config?, etcdClusterID: String?, endpoints: Int,
        configPath: String, configSHA256: String, keys: [ReflectorKind: Int], enabled: Set<ReflectorKind>,
        synced: Set<ReflectorKind>, canaries: Set<ReflectorKind>, rejected: [ReflectorKind: Int], failures: Int,
        lastFailure: String?, lastFailureTime: Double?, revoked: Bool
    ) {
        self.name = name
        self.connected = connected
        self.ready = ready
        self.published = published
        self.config = config
        self.etcdClusterID = etcdClusterID
        self.endpoints = endpoints
        self.configPath = configPath
        self.configSHA256 = configSHA256
        self.keys = keys
        self.enabled = enabled
        self.synced = synced
        self.canaries = canaries
        self.rejected = rejected
        self.failures = failures
        self.lastFailure = lastFailure
        self.lastFailureTime = lastFailureTime
        self.revoked = revoked
    }

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
                    serviceExportsEnabled: s.remoteConfig?.serviceExportsEnabled,
                    endpointSlicesExportMode: s.remoteConfig?.endpointSlicesExportMode ?? "")
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
