import GRPCWire

/// Why a call failed. Server answers keep etcd's gRPC code and exact text (clients compare by
/// text: `etcdserver: mvcc: required revision has been compacted`); transport failures say
/// what happened on our side.
public enum EtcdClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's `grpc-status` / `grpc-message` (etcd's error table, `EtcdErrorText`).
    case server(GRPCStatus)
    /// A status our transport synthesised the way grpc-go does: the response broke a
    /// gRPC/HTTP/2 rule (Internal "server closed the stream without sending trailers", a
    /// non-gRPC content-type, a message over the receive limit) or the server reset the stream.
    case transport(GRPCStatus)
    /// No usable connection: resolve/connect/handshake failed, the connection was lost, or the
    /// keepalive ping went unanswered.
    case unavailable(String)
    /// The server's GOAWAY refused the call and it could not be retried.
    case goAway(String)
    /// The call's deadline passed (enforced locally; the stream is reset with CANCEL).
    case deadlineExceeded(String)
    /// TLS setup or handshake failed (including a server that does not select ALPN `h2`).
    case tls(String)
    /// `close()` was called.
    case closed
    /// The calling task was cancelled.
    case cancelled
    /// A response message did not decode as the expected protobuf type.
    case invalidResponse(String)
    /// The request cannot be sent (e.g. larger than `maxSendMessageSize`).
    case invalidRequest(String)

    /// The gRPC status a grpc-go client would report for this failure.
    public var status: GRPCStatus {
        switch self {
        case .server(let status), .transport(let status): status
        case .unavailable(let message), .goAway(let message): GRPCStatus(.unavailable, message)
        case .deadlineExceeded(let message): GRPCStatus(.deadlineExceeded, message)
        case .tls(let message): GRPCStatus(.unavailable, message)
        case .closed: GRPCStatus(.cancelled, "grpc: the client connection is closing")
        case .cancelled: GRPCTransportStatus.cancelled
        case .invalidResponse(let message): GRPCStatus(.internalError, message)
        case .invalidRequest(let message): GRPCStatus(.resourceExhausted, message)
        }
    }

    public var code: GRPCStatusCode { status.code }

    /// The start revision of a watch or the revision of a read is below the compaction.
    public var isCompacted: Bool {
        if case .server(let status) = self { return status.message == EtcdErrorText.compacted }
        return false
    }

    /// A transport failure after which retrying on a (new) connection may succeed.
    public var isTransient: Bool {
        switch self {
        case .unavailable, .goAway, .tls: true
        case .server(let status), .transport(let status): status.code == .unavailable
        default: false
        }
    }

    public var description: String {
        switch self {
        case .server(let status): "etcd: \(status)"
        case .transport(let status): "transport: \(status)"
        case .unavailable(let message): "unavailable: \(message)"
        case .goAway(let message): "refused by GOAWAY: \(message)"
        case .deadlineExceeded(let message): "deadline exceeded: \(message)"
        case .tls(let message): "TLS: \(message)"
        case .closed: "client closed"
        case .cancelled: "cancelled"
        case .invalidResponse(let message): "invalid response: \(message)"
        case .invalidRequest(let message): "invalid request: \(message)"
        }
    }

    /// The typed error of a compaction cancel (clientv3 `v3rpc.ErrCompacted`).
    public static let compacted = EtcdClientError.server(GRPCStatus(.outOfRange, EtcdErrorText.compacted))
    /// The typed error of a cancel without reason (clientv3 `v3rpc.ErrFutureRev`).
    public static let futureRevision = EtcdClientError.server(GRPCStatus(.outOfRange, EtcdErrorText.futureRevision))
}

/// Texts of etcd errors clients act on (`api/v3rpc/rpctypes/error.go`).
public enum EtcdErrorText {
    public static let compacted = "etcdserver: mvcc: required revision has been compacted"
    public static let futureRevision = "etcdserver: mvcc: required revision is a future revision"
    public static let noLeader = "etcdserver: no leader"
    public static let permissionDenied = "etcdserver: permission denied"
}
