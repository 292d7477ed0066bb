/// Why a connection to a remote ended (or could not be set up).
enum ConnectionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case remote(RemoteClientError)
    /// A response carried a different etcd `cluster_id` than the first one of this connection
    /// (Cilium's interceptor, reference §2.7): everything is relisted over a new connection.
    case clusterIDChanged(from: UInt64, to: UInt64)
    /// No heartbeat for this many seconds (Cilium's status checker).
    case heartbeatStale(Double)
    /// `cilium/cluster-config/<R>` could not be retrieved in time, or is unusable.
    case clusterConfig(String)
    /// The remote's cluster ID is the local one or another remote's.
    case clusterIDConflict(String)
    /// The local store refused a write that must succeed (the republished cluster config).
    case localStore(String)
    case cancelled

    /// Errors that end the connection; the others are retried in place (relist, re-watch).
    var endsConnection: Bool {
        switch self {
        case .remote(.closed), .clusterIDChanged, .heartbeatStale, .clusterConfig, .clusterIDConflict, .localStore, .cancelled:
            return true
        case .remote:
            return false
        }
    }

    var description: String {
        switch self {
        case .remote(let e): return e.description
        case .clusterIDChanged(let a, let b):
            return "etcd cluster ID has changed: previously \(String(a, radix: 16)), now \(String(b, radix: 16))"
        case .heartbeatStale(let s): return "\(Int(s))s since last heartbeat update has been received"
        case .clusterConfig(let m): return m
        case .clusterIDConflict(let m): return m
        case .localStore(let m): return "local store: \(m)"
        case .cancelled: return "connection stopped"
        }
    }
}
