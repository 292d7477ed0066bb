import GRPCWire
import MVCC

/// The etcd wire errors, verbatim.
///
/// Clients compare errors by message text (clientv3 `rpctypes.Error()` maps the text back to a
/// typed error), so every message here is byte-for-byte etcd's
/// (`api/v3rpc/rpctypes/error.go`), with etcd's gRPC code.
public struct EtcdError: Error, Equatable, Sendable {
    public var status: GRPCStatus

    public init(_ code: GRPCStatusCode, _ message: String) {
        self.status = GRPCStatus(code, message)
    }

    public static let emptyKey = EtcdError(.invalidArgument, "etcdserver: key is not provided")
    public static let keyNotFound = EtcdError(.invalidArgument, "etcdserver: key not found")
    public static let valueProvided = EtcdError(.invalidArgument, "etcdserver: value is provided")
    public static let leaseProvided = EtcdError(.invalidArgument, "etcdserver: lease is provided")
    public static let tooManyOps = EtcdError(.invalidArgument, "etcdserver: too many operations in txn request")
    public static let duplicateKey = EtcdError(.invalidArgument, "etcdserver: duplicate key given in txn request")
    public static let invalidSortOption = EtcdError(.invalidArgument, "etcdserver: invalid sort option")
    public static let compacted = EtcdError(.outOfRange, "etcdserver: mvcc: required revision has been compacted")
    public static let futureRevision = EtcdError(.outOfRange, "etcdserver: mvcc: required revision is a future revision")
    public static let noSpace = EtcdError(.resourceExhausted, "etcdserver: mvcc: database space exceeded")
    public static let leaseNotFound = EtcdError(.notFound, "etcdserver: requested lease not found")
    public static let leaseExists = EtcdError(.failedPrecondition, "etcdserver: lease already exists")
    public static let leaseTTLTooLarge = EtcdError(.outOfRange, "etcdserver: too large lease TTL")
    public static let watchCanceled = EtcdError(.cancelled, "etcdserver: watch canceled")
    public static let requestTooLarge = EtcdError(.invalidArgument, "etcdserver: request is too large")
    public static let tooManyRequests = EtcdError(.resourceExhausted, "etcdserver: too many requests")
    public static let userEmpty = EtcdError(.invalidArgument, "etcdserver: user name is empty")
    public static let authFailed = EtcdError(
        .invalidArgument, "etcdserver: authentication failed, invalid user ID or password")
    public static let permissionDenied = EtcdError(.permissionDenied, "etcdserver: permission denied")
    public static let authNotEnabled = EtcdError(.failedPrecondition, "etcdserver: authentication is not enabled")
    public static let invalidAuthToken = EtcdError(.unauthenticated, "etcdserver: invalid auth token")
    public static let notCapable = EtcdError(.unavailable, "etcdserver: not capable")
    public static let requestCanceled = EtcdError(.cancelled, "etcdserver: request canceled")
    public static let deadlineExceeded = EtcdError(.deadlineExceeded, "etcdserver: context deadline exceeded")

    /// etcd's `togRPCError` for the errors our store can raise.
    public init(_ error: MVCCError) {
        switch error {
        case .compacted: self = .compacted
        case .futureRevision: self = .futureRevision
        case .leaseNotFound: self = .leaseNotFound
        case .leaseExists: self = .leaseExists
        case .leaseTTLTooLarge: self = .leaseTTLTooLarge
        case .keyNotFound: self = .keyNotFound
        default: self = EtcdError(.unknown, "etcdserver: \(error)")
        }
    }
}

/// Watch-level cancel reasons travel in `WatchResponse.cancel_reason`, not as gRPC statuses.
public enum WatchCancelReason {
    public static let emptyRange = "mvcc: watcher range is empty"
    public static let duplicateID = "mvcc: duplicate watch ID provided on the WatchStream"
    public static let compacted = "etcdserver: mvcc: required revision has been compacted"
    public static let permissionDenied = "etcdserver: permission denied"
}
