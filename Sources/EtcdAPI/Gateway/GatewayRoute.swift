/// Where an HTTP/1.1 request to the JSON gateway leads (etcd `server/embed/serve.go` mux:
/// grpc-gateway v1 under `/v3/`, `/version` and `/health` beside it).
public enum GatewayRoute: Sendable, Equatable {
    case unary(EtcdRoute.UnaryMethod)
    /// `POST /v3/watch`: streaming, see `GatewayWatchStream`.
    case watch
    /// `POST /v3/lease/keepalive`: streaming, see `GatewayKeepAliveStream`.
    case leaseKeepAlive
    /// A gateway path etcd serves that we refuse: `etcdserver: permission denied` (403), as over gRPC.
    case refused
    /// A gateway path of a service we do not register (lock, election): Unimplemented (501),
    /// with the grpc-go text for the unknown service.
    case unimplemented(service: String)
    /// `GET /version`.
    case version
    /// `GET /health`.
    case health
    /// `OPTIONS` on any path: 200, empty, CORS headers (etcd `accessController`).
    case preflight
    /// Known path, wrong method: 405 `Method Not Allowed\n`.
    case methodNotAllowed(allow: String)
    /// Unknown path under `/v3/`: 404 `Not Found\n` (grpc-gateway); elsewhere Go's ServeMux text.
    case notFound(gatewayPrefix: Bool)

    /// `path` without the query. `/v3beta/` is rewritten to `/v3/` (etcd `accessController`).
    public init(path rawPath: String, method: String) {
        if method == "OPTIONS" {
            self = .preflight
            return
        }
        let path = Self.rewrite(rawPath)
        switch path {
        case "/version":
            self = method == "GET" ? .version : .methodNotAllowed(allow: "GET")
            return
        case "/health":
            self = method == "GET" ? .health : .methodNotAllowed(allow: "GET")
            return
        default:
            break
        }
        guard let route = Self.table[path] else {
            self = .notFound(gatewayPrefix: path.hasPrefix("/v3/"))
            return
        }
        self = method == "POST" ? route : .methodNotAllowed(allow: "POST")
    }

    /// `/v3beta/x` → `/v3/x` (present in 3.4 and 3.5 despite the 3.5 CHANGELOG).
    static func rewrite(_ path: String) -> String {
        path.hasPrefix("/v3beta/") ? "/v3/" + path.dropFirst("/v3beta/".count) : path
    }

    static let table: [String: GatewayRoute] = {
        var t: [String: GatewayRoute] = [
            "/v3/kv/range": .unary(.range),
            "/v3/kv/put": .unary(.put),
            "/v3/kv/deleterange": .unary(.deleteRange),
            "/v3/kv/txn": .unary(.txn),
            "/v3/kv/compaction": .unary(.compact),
            "/v3/watch": .watch,
            "/v3/lease/grant": .unary(.leaseGrant),
            "/v3/lease/revoke": .unary(.leaseRevoke),
            "/v3/kv/lease/revoke": .unary(.leaseRevoke),
            "/v3/lease/keepalive": .leaseKeepAlive,
            "/v3/lease/timetolive": .unary(.leaseTimeToLive),
            "/v3/kv/lease/timetolive": .unary(.leaseTimeToLive),
            "/v3/lease/leases": .unary(.leaseLeases),
            "/v3/kv/lease/leases": .unary(.leaseLeases),
            "/v3/cluster/member/list": .unary(.memberList),
            "/v3/maintenance/status": .unary(.status),
            "/v3/maintenance/alarm": .unary(.alarm),
            // Hash and HashKV share this pattern in etcd's rpc.proto; grpc-gateway v1 prepends
            // handlers, so the later registration (HashKV) serves it.
            "/v3/maintenance/hash": .unary(.hashKV),
            "/v3/maintenance/hashkv": .unary(.hashKV),
            "/v3/auth/authenticate": .unary(.authenticate),
            "/v3/auth/status": .unary(.authStatus),
        ]
        let refused = [
            "/v3/cluster/member/add", "/v3/cluster/member/remove", "/v3/cluster/member/update",
            "/v3/cluster/member/promote",
            "/v3/maintenance/defragment", "/v3/maintenance/snapshot",
            "/v3/maintenance/transfer-leadership", "/v3/maintenance/downgrade",
            "/v3/auth/enable", "/v3/auth/disable",
            "/v3/auth/user/add", "/v3/auth/user/get", "/v3/auth/user/list", "/v3/auth/user/delete",
            "/v3/auth/user/changepw", "/v3/auth/user/grant", "/v3/auth/user/revoke",
            "/v3/auth/role/add", "/v3/auth/role/get", "/v3/auth/role/list", "/v3/auth/role/delete",
            "/v3/auth/role/grant", "/v3/auth/role/revoke",
        ]
        for path in refused { t[path] = .refused }
        for path in ["/v3/lock/lock", "/v3/lock/unlock"] { t[path] = .unimplemented(service: "v3lockpb.Lock") }
        for name in ["campaign", "proclaim", "leader", "observe", "resign"] {
            t["/v3/election/" + name] = .unimplemented(service: "v3electionpb.Election")
        }
        return t
    }()
}
