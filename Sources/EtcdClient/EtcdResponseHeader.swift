import EtcdProto

/// `etcdserverpb.ResponseHeader`, carried by every response. Exposed as is: callers apply
/// their own rules to it (Cilium latches the first `clusterID` and restarts when it changes).
public struct EtcdResponseHeader: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var clusterID: UInt64
    public var memberID: UInt64
    public var revision: Int64
    public var raftTerm: UInt64

    public init(clusterID: UInt64 = 0, memberID: UInt64 = 0, revision: Int64 = 0, raftTerm: UInt64 = 0) {
        self.clusterID = clusterID
        self.memberID = memberID
        self.revision = revision
        self.raftTerm = raftTerm
    }

    init(_ proto: Etcdserverpb_ResponseHeader) {
        self.init(clusterID: proto.clusterID, memberID: proto.memberID, revision: proto.revision,
                  raftTerm: proto.raftTerm)
    }

    public var description: String {
        "cluster_id=\(clusterID) member_id=\(memberID) revision=\(revision) raft_term=\(raftTerm)"
    }
}
