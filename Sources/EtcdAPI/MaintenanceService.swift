import EtcdProto
import MVCC

/// Maintenance.Status/Alarm/HashKV, Cluster.MemberList, Auth.Authenticate/AuthStatus and the
/// gRPC health service: the small RPCs clients and tools call around the data path.
struct MaintenanceService {
    let store: KVStore
    let identity: ServerIdentity
    let policy: AccessPolicy

    func status() -> Etcdserverpb_StatusResponse {
        let rev = store.currentRevision
        var resp = Etcdserverpb_StatusResponse()
        resp.header = identity.header(revision: rev)
        resp.version = identity.version
        let size = Int64(store.keyCount) * 256 // an estimate: the store has no on-disk size
        resp.dbSize = size
        resp.dbSizeInUse = size
        resp.leader = identity.memberID
        resp.raftIndex = UInt64(max(rev, 0))
        resp.raftAppliedIndex = UInt64(max(rev, 0))
        resp.raftTerm = identity.raftTerm
        return resp
    }

    func alarm(_ r: Etcdserverpb_AlarmRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_AlarmResponse {
        if r.action != .get && !policy.isAdmin(ctx.principal) { throw .permissionDenied }
        var resp = Etcdserverpb_AlarmResponse()
        resp.header = identity.header(revision: store.currentRevision)
        return resp
    }

    /// FNV-1a over every key and value live at `revision`; stable for equal contents.
    func hashKV(_ r: Etcdserverpb_HashKVRequest) throws(EtcdError) -> Etcdserverpb_HashKVResponse {
        var options = RangeOptions()
        options.revision = r.revision
        let result: RangeResult
        do {
            result = try store.range(key: [0], end: [0], options: options)
        } catch {
            throw EtcdError(error)
        }
        var hash: UInt32 = 2_166_136_261
        for kv in result.kvs {
            for b in kv.key { hash = (hash ^ UInt32(b)) &* 16_777_619 }
            for b in kv.value { hash = (hash ^ UInt32(b)) &* 16_777_619 }
        }
        var resp = Etcdserverpb_HashKVResponse()
        resp.header = identity.header(revision: result.revision)
        resp.hash = hash
        resp.compactRevision = store.compactedRevision
        return resp
    }

    /// MemberList headers carry no revision (etcd `v3rpc/member.go`).
    func memberList() -> Etcdserverpb_MemberListResponse {
        var resp = Etcdserverpb_MemberListResponse()
        resp.header = identity.header(revision: 0)
        var m = Etcdserverpb_Member()
        m.id = identity.memberID
        m.name = identity.memberName
        m.peerUrls = identity.peerURLs
        m.clientUrls = identity.clientURLs
        resp.members = [m]
        return resp
    }

    /// Certificate users have no password: with auth on, etcd answers every password
    /// authentication with `authentication failed`; with auth off, `not enabled`.
    func authenticate() throws(EtcdError) -> Etcdserverpb_AuthenticateResponse {
        throw policy.authEnabled ? .authFailed : .authNotEnabled
    }

    func authStatus() -> Etcdserverpb_AuthStatusResponse {
        var resp = Etcdserverpb_AuthStatusResponse()
        resp.header = identity.header(revision: store.currentRevision)
        resp.enabled = policy.authEnabled
        return resp
    }
}
