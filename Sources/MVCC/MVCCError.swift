/// Errors of the store; the API layer maps them to etcd's gRPC statuses (etcd-v3-api.md §2).
public enum MVCCError: Error, Equatable, Sendable {
    /// `etcdserver: mvcc: required revision has been compacted`
    case compacted
    /// `etcdserver: mvcc: required revision is a future revision`
    case futureRevision
    /// `etcdserver: requested lease not found`
    case leaseNotFound
    /// `etcdserver: lease already exists`
    case leaseExists
    /// `etcdserver: too large lease TTL`
    case leaseTTLTooLarge
    /// `etcdserver: key not found` (put with ignore_value / ignore_lease on a missing key)
    case keyNotFound
    /// The store refuses to create more keys than `KVStoreConfiguration.maxKeys`.
    case tooManyKeys
}
