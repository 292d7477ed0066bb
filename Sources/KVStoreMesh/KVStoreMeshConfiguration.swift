/// How KVStoreMesh runs: upstream's flags (reference/cilium-1.19-plus.md §A.5) and our explicit
/// limits. Durations are seconds.
public struct KVStoreMeshConfiguration: Sendable {
    /// The local cluster (`--cluster-name`, `--cluster-id`, `--max-connected-clusters`).
    public var clusterName: String
    public var clusterID: UInt32
    public var maxConnectedClusters: UInt32

    /// Grace period between deleting `cilium/cluster-config/<R>` and the cached data of a removed
    /// remote (`drainGracePeriod`, 3 min upstream; `--clustermesh-drain-delay`).
    public var drainDelay: Double = 180
    /// Revoke the services and service exports of a remote unreachable for this long
    /// (`--clustermesh-cache-ttl`; 0: never).
    public var cacheTTL: Double = 0
    /// A remote known at start that has not connected within this is dropped from the ready gate.
    public var perClusterReadyTimeout: Double = 15
    /// The ready gate opens after this at the latest.
    public var globalReadyTimeout: Double = 600

    /// `cilium/cluster-config/<R>` retrieval is retried for this long, then the connection restarts.
    public var clusterConfigTimeout: Double = 180
    /// Longest wait between cluster config retrieval attempts (`MaxRetryInterval`).
    public var clusterConfigRetryMaximum: Double = 30
    /// Re-enforcement period of the republished cluster config and the written canaries.
    public var enforceInterval: Double = 300
    /// Reconnection backoff (exponential with jitter).
    public var reconnectMinimum: Double = 1
    public var reconnectMaximum: Double = 60
    /// List retry backoff (`paginatedList` errors: 50 ms … 1 min upstream).
    public var listRetryMinimum: Double = 0.05
    public var listRetryMaximum: Double = 60
    /// Pause before re-watching after a watch stream ended without error (upstream 50 ms).
    public var rewatchDelay: Double = 0.05
    /// The first heartbeat list of a connection must complete within this (upstream waits up to
    /// 15 min; a shorter bound gives a fresh client, and a visible failure, sooner).
    public var connectTimeout: Double = 60
    /// Deadline of each Range call.
    public var requestTimeout: Double = 30
    /// The connection is restarted when no heartbeat event arrived for this long (upstream: more
    /// than 2 × 1 min, with the third consecutive failed 30 s check restarting); 0: never.
    public var heartbeatTimeout: Double = 180
    /// How often the heartbeat age is checked.
    public var heartbeatCheckInterval: Double = 30

    /// Keys per Range page (`etcd.limit`, 256).
    public var listPageSize: Int64 = 256
    /// Bound on puts/deletes per local transaction.
    public var maxOpsPerTransaction: Int = 256
    /// Bound on key + value bytes per local transaction.
    public var maxBytesPerTransaction: Int = 1 << 20
    /// Larger remote values are dropped (etcd's default request limit is 1.5 MiB).
    public var maxValueBytes: Int = 1 << 20
    /// Remote keys longer than this are dropped.
    public var maxKeyBytes: Int = 4096
    /// Cached entries per remote and kind; further new keys are dropped (counted).
    public var maxEntriesPerKind: Int = 1_000_000
    /// Configuration files larger than this are ignored.
    public var maxConfigFileBytes: Int = 1 << 20
    /// Directory polling period.
    public var configPollInterval: Double = 1

    /// Uniform values in [0, 1) for backoff jitter.
    public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    public init(clusterName: String, clusterID: UInt32, maxConnectedClusters: UInt32 = 255) {
        self.clusterName = clusterName
        self.clusterID = clusterID
        self.maxConnectedClusters = maxConnectedClusters
    }
}

/// Severity of a KVStoreMesh log line.
public enum KVStoreMeshLogLevel: Sendable {
    case debug, info, warning, error
}

public typealias KVStoreMeshLog = @Sendable (KVStoreMeshLogLevel, String) -> Void
