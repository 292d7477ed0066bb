import EtcdProto

/// Who this server says it is in every response header and in Status/MemberList.
///
/// `clusterID` is random per data incarnation (the in-memory store is new at every start), so
/// Cilium 1.15+ peers, which latch the first `cluster_id` they see, reconnect and relist after a
/// restart instead of trusting revisions from a previous incarnation.
public struct ServerIdentity: Sendable {
    public var clusterID: UInt64
    public var memberID: UInt64
    public var raftTerm: UInt64
    /// The etcd version we report (Status.version); Cilium 1.14 requires ≥ 3.1.0.
    public var version: String
    public var memberName: String
    public var clientURLs: [String]
    public var peerURLs: [String]

    public init(
        clusterID: UInt64 = UInt64.random(in: 1...UInt64.max),
        memberID: UInt64 = UInt64.random(in: 1...UInt64.max),
        raftTerm: UInt64 = 2,
        version: String = ServerIdentity.etcdVersion,
        memberName: String = "clustermesh-apiserver",
        clientURLs: [String] = [],
        peerURLs: [String] = []
    ) {
        self.clusterID = clusterID
        self.memberID = memberID
        self.raftTerm = raftTerm
        self.version = version
        self.memberName = memberName
        self.clientURLs = clientURLs
        self.peerURLs = peerURLs
    }

    /// The etcd release whose API behaviour we reproduce (3.5 line).
    public static let etcdVersion = "3.5.21"
    /// etcd reports the cluster version as major.minor.0.
    public static let clusterVersion = "3.5.0"

    /// A full header (etcd `header.fill`).
    public func header(revision: Int64) -> Etcdserverpb_ResponseHeader {
        var h = Etcdserverpb_ResponseHeader()
        h.clusterID = clusterID
        h.memberID = memberID
        h.revision = revision
        h.raftTerm = raftTerm
        return h
    }
}
