import EtcdProto
import GRPCWire
import MVCC
import SwiftProtobuf

/// The etcd v3 API over our store: routes gRPC method paths to handlers and turns request
/// bytes into response bytes. Knows nothing about sockets, HTTP/2 or TLS.
public final class EtcdServer: Sendable {
    public let store: KVStore
    public let identity: ServerIdentity
    public let policy: AccessPolicy

    public init(store: KVStore, identity: ServerIdentity, policy: AccessPolicy) {
        self.store = store
        self.identity = identity
        self.policy = policy
    }

    var kv: KVService { KVService(store: store, identity: identity, policy: policy) }
    var lease: LeaseService { LeaseService(store: store, identity: identity, policy: policy) }
    var maintenance: MaintenanceService { MaintenanceService(store: store, identity: identity, policy: policy) }

    /// Runs one unary call.
    public func unary(_ method: EtcdRoute.UnaryMethod, request: [UInt8], context: CallContext) -> Result<[UInt8], GRPCStatus> {
        do {
            return .success(try dispatch(method, request, context))
        } catch {
            return .failure(error.status)
        }
    }

    private func dispatch(_ method: EtcdRoute.UnaryMethod, _ bytes: [UInt8], _ ctx: CallContext) throws(EtcdError) -> [UInt8] {
        switch method {
        case .range: return try kv.range(decode(bytes), ctx)
        case .put: return try encode(kv.put(decode(bytes), ctx))
        case .deleteRange: return try encode(kv.deleteRange(decode(bytes), ctx))
        case .txn: return try encode(kv.txn(decode(bytes), ctx))
        case .compact: return try encode(kv.compact(decode(bytes), ctx))
        case .leaseGrant: return try encode(lease.grant(decode(bytes), ctx))
        case .leaseRevoke: return try encode(lease.revoke(decode(bytes), ctx))
        case .leaseTimeToLive: return try encode(lease.timeToLive(decode(bytes)))
        case .leaseLeases:
            let _: Etcdserverpb_LeaseLeasesRequest = try decode(bytes)
            return try encode(lease.leases())
        case .memberList:
            let _: Etcdserverpb_MemberListRequest = try decode(bytes)
            return try encode(maintenance.memberList())
        case .status:
            let _: Etcdserverpb_StatusRequest = try decode(bytes)
            return try encode(maintenance.status())
        case .alarm: return try encode(maintenance.alarm(decode(bytes), ctx))
        case .hashKV: return try encode(maintenance.hashKV(decode(bytes)))
        case .authenticate:
            let _: Etcdserverpb_AuthenticateRequest = try decode(bytes)
            return try encode(maintenance.authenticate())
        case .authStatus:
            let _: Etcdserverpb_AuthStatusRequest = try decode(bytes)
            return try encode(maintenance.authStatus())
        case .healthCheck:
            let req: Grpc_Health_V1_HealthCheckRequest = try decode(bytes)
            guard req.service.isEmpty else { throw EtcdError(.notFound, "unknown service") }
            var resp = Grpc_Health_V1_HealthCheckResponse()
            resp.status = .serving
            return try encode(resp)
        }
    }

    public func makeWatchSession(context: CallContext, onPending: @escaping @Sendable () -> Void) -> WatchSession {
        WatchSession(store: store, identity: identity, policy: policy, context: context, onPending: onPending)
    }

    /// One LeaseKeepAlive stream message → one response.
    public func leaseKeepAlive(_ message: [UInt8]) -> Result<[UInt8], GRPCStatus> {
        do {
            return .success(try lease.keepAlive(message))
        } catch {
            return .failure(error.status)
        }
    }

    private func decode<M: SwiftProtobuf.Message>(_ bytes: [UInt8]) throws(EtcdError) -> M {
        do {
            return try M(serializedBytes: bytes)
        } catch {
            throw EtcdError(.internalError, "grpc: error unmarshalling request: \(error)")
        }
    }

    private func encode<M: SwiftProtobuf.Message>(_ message: M) throws(EtcdError) -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            throw EtcdError(.internalError, "grpc: error while marshaling: \(error)")
        }
    }
}
