/// The etcd client KVStoreMesh reads remote clusters with (reference/cilium-clustermesh.md §2.3).
///
/// Deliberately small: only what Cilium's remote client does — paginated `Range` and prefix
/// `Watch`. An adapter maps the real etcd client onto it; tests use a store-backed double.
///
/// Contract for implementations:
/// * every call honours task cancellation, and `close()` makes every pending and later call end
///   promptly with `.closed` (KVStoreMesh closes a client before it waits for its tasks);
/// * every response carries the server's `ResponseHeader` (a missing header is `.invalidResponse`);
/// * `range` returns keys in ascending order (etcd's default), `count` is the total number of keys
///   in the range at the read revision and `more` says whether `limit` cut it short.

/// `etcdserverpb.ResponseHeader`.
public struct RemoteHeader: Sendable, Equatable {
    public var clusterID: UInt64
    public var memberID: UInt64
    public var revision: Int64
    public var raftTerm: UInt64

    public init(clusterID: UInt64, memberID: UInt64 = 0, revision: Int64, raftTerm: UInt64 = 0) {
        self.clusterID = clusterID
        self.memberID = memberID
        self.revision = revision
        self.raftTerm = raftTerm
    }
}

/// `mvccpb.KeyValue`.
public struct RemoteKeyValue: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var createRevision: Int64
    public var modRevision: Int64
    public var version: Int64
    public var lease: Int64

    public init(key: [UInt8], value: [UInt8], createRevision: Int64 = 0, modRevision: Int64 = 0, version: Int64 = 0, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// `etcdserverpb.RangeResponse`.
public struct RemoteRangeResult: Sendable, Equatable {
    public var header: RemoteHeader
    public var kvs: [RemoteKeyValue]
    public var more: Bool
    public var count: Int64

    public init(header: RemoteHeader, kvs: [RemoteKeyValue], more: Bool, count: Int64) {
        self.header = header
        self.kvs = kvs
        self.more = more
        self.count = count
    }
}

/// `mvccpb.Event`: a PUT carries the new key-value, a DELETE the key (value empty).
public enum RemoteEvent: Sendable, Equatable {
    case put(RemoteKeyValue)
    case delete(RemoteKeyValue)

    public var kv: RemoteKeyValue {
        switch self {
        case .put(let kv), .delete(let kv): return kv
        }
    }
}

/// One `WatchResponse` of a single watcher.
public enum RemoteWatchMessage: Sendable, Equatable {
    case events(RemoteHeader, [RemoteEvent])
    /// A progress notification: nothing happened up to `header.revision`.
    case progress(RemoteHeader)
    /// The server ended the watch: `compactRevision != 0` means the start revision was compacted
    /// (`mvcc: required revision has been compacted`); otherwise `reason` says why.
    case canceled(RemoteHeader, compactRevision: Int64, reason: String)
}

/// One watcher on a prefix.
public protocol RemoteWatch: Sendable {
    /// The next response; nil once the stream ended without an error (Cilium then re-watches from
    /// the next revision without relisting).
    func next() async throws(RemoteClientError) -> RemoteWatchMessage?
    /// Stops the watcher; a pending `next()` returns nil or throws `.closed`.
    func cancel() async
}

/// A connection to one remote cluster's etcd.
public protocol RemoteClient: Sendable {
    /// `Range{key, range_end, revision, limit}` (revision 0: current; limit 0: unlimited).
    func range(key: [UInt8], rangeEnd: [UInt8], revision: Int64, limit: Int64) async throws(RemoteClientError) -> RemoteRangeResult
    /// `WatchCreateRequest{key, range_end, start_revision}` (no prev_kv, filters or fragments).
    func watch(key: [UInt8], rangeEnd: [UInt8], startRevision: Int64) async throws(RemoteClientError) -> any RemoteWatch
    /// Closes the connection; pending and later calls end with `.closed`.
    func close() async
}

/// Why a remote call failed.
public enum RemoteClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Could not connect, or the connection broke (gRPC `Unavailable`).
    case unavailable(String)
    case deadlineExceeded
    /// The requested revision is compacted (the server's compact revision).
    case compacted(Int64)
    /// Any other gRPC status.
    case grpc(code: Int, message: String)
    /// The client was closed.
    case closed
    /// A response without a header, or otherwise malformed.
    case invalidResponse(String)
    /// The configuration file cannot be used (bad YAML, missing certificate files...).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unavailable(let m): return "unavailable: \(m)"
        case .deadlineExceeded: return "context deadline exceeded"
        case .compacted(let r): return "etcdserver: mvcc: required revision has been compacted (compact revision \(r))"
        case .grpc(let code, let message): return "rpc error: code = \(code) desc = \(message)"
        case .closed: return "client closed"
        case .invalidResponse(let m): return "invalid response: \(m)"
        case .invalidConfiguration(let m): return "invalid configuration: \(m)"
        }
    }
}

/// Makes the client for one remote from its configuration file (the etcd `clientv3` YAML form,
/// reference §2.1). Called for every (re)connection, with the file's current contents.
public protocol RemoteClientFactory: Sendable {
    func makeClient(clusterName: String, configPath: String, configContents: [UInt8]) throws(RemoteClientError) -> any RemoteClient
}

/// The factory until a real etcd client is plugged in: every connection attempt fails (and is
/// reported in the status) instead of silently doing nothing.
public struct UnavailableRemoteClientFactory: RemoteClientFactory {
    public let reason: String

    public init(reason: String = "no etcd client is available in this build") {
        self.reason = reason
    }

    public func makeClient(clusterName: String, configPath: String, configContents: [UInt8]) throws(RemoteClientError) -> any RemoteClient {
        throw .unavailable(reason)
    }
}
