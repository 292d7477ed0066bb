import EtcdProto
import MVCC

/// Lease.* (etcd `v3rpc/lease.go`).
///
/// Certificate users may grant, keep alive and revoke leases: Cilium 1.14–1.16 peers hold a
/// 25 s session lease even though they only read. Anonymous clients need read-write access to
/// grant or revoke. Keys can only be attached by principals that may write.
struct LeaseService {
    let store: KVStore
    let identity: ServerIdentity
    let policy: AccessPolicy
    /// etcd's lessor minimum TTL with default election settings (ceil(1.5 × 1 s election timeout)).
    static let minTTL: Int64 = 2
    /// Bound on live leases, so a client cannot grow memory without limit.
    static let maxLeases = 100_000

    func grant(_ r: Etcdserverpb_LeaseGrantRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_LeaseGrantResponse {
        guard policy.canManageLeases(ctx.principal) else { throw .permissionDenied }
        if store.leaseIDs().count >= Self.maxLeases { throw .tooManyRequests }
        let granted: (id: Int64, ttl: Int64)
        do {
            granted = try store.grantLease(id: r.id, ttl: max(r.ttl, Self.minTTL))
        } catch {
            throw EtcdError(error)
        }
        var resp = Etcdserverpb_LeaseGrantResponse()
        resp.header = identity.header(revision: store.currentRevision)
        resp.id = granted.id
        resp.ttl = granted.ttl
        return resp
    }

    /// etcd checks the lease's keys only when the lease exists: an unknown lease is NotFound
    /// for everyone (§7.3 case 39).
    func revoke(_ r: Etcdserverpb_LeaseRevokeRequest, _ ctx: CallContext) throws(EtcdError) -> Etcdserverpb_LeaseRevokeResponse {
        if !policy.canManageLeases(ctx.principal), store.leaseTimeToLive(id: r.id, includeKeys: false) != nil {
            throw .permissionDenied
        }
        let rev: Int64
        do {
            rev = try store.revokeLease(id: r.id)
        } catch {
            throw EtcdError(error)
        }
        var resp = Etcdserverpb_LeaseRevokeResponse()
        resp.header = identity.header(revision: rev)
        return resp
    }

    func timeToLive(_ r: Etcdserverpb_LeaseTimeToLiveRequest) -> Etcdserverpb_LeaseTimeToLiveResponse {
        var resp = Etcdserverpb_LeaseTimeToLiveResponse()
        resp.header = identity.header(revision: store.currentRevision)
        resp.id = r.id
        guard let info = store.leaseTimeToLive(id: r.id, includeKeys: r.keys) else {
            resp.ttl = -1
            return resp
        }
        resp.ttl = info.remaining
        resp.grantedTtl = info.grantedTTL
        if r.keys { resp.keys = info.keys.map { Data($0) } }
        return resp
    }

    func leases() -> Etcdserverpb_LeaseLeasesResponse {
        var resp = Etcdserverpb_LeaseLeasesResponse()
        resp.header = identity.header(revision: store.currentRevision)
        resp.leases = store.leaseIDs().map {
            var s = Etcdserverpb_LeaseStatus()
            s.id = $0
            return s
        }
        return resp
    }

    /// One LeaseKeepAlive request: header filled before the renewal, TTL 0 for unknown leases.
    func keepAlive(_ message: [UInt8]) throws(EtcdError) -> [UInt8] {
        let request: Etcdserverpb_LeaseKeepAliveRequest
        do {
            request = try Etcdserverpb_LeaseKeepAliveRequest(serializedBytes: message)
        } catch {
            throw EtcdError(.internalError, "grpc: error unmarshalling request: \(error)")
        }
        var resp = Etcdserverpb_LeaseKeepAliveResponse()
        resp.header = identity.header(revision: store.currentRevision)
        resp.id = request.id
        resp.ttl = store.renewLease(id: request.id) ?? 0
        do {
            return try resp.serializedBytes()
        } catch {
            throw EtcdError(.internalError, "grpc: error while marshaling: \(error)")
        }
    }
}

import Foundation
