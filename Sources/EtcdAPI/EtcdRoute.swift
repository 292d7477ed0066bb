/// Where a gRPC `:path` leads.
public enum EtcdRoute: Sendable, Equatable {
    case unary(UnaryMethod)
    case watch
    case leaseKeepAlive
    /// A method etcd serves that this server refuses (membership changes, defragment,
    /// snapshot, user/role management …): answered with `etcdserver: permission denied`.
    case refused
    case unknownMethod(service: String, method: String)
    case unknownService(String)
    /// `:path` is not of the form `/service/method`.
    case malformed

    public enum UnaryMethod: Sendable, Equatable {
        case range, put, deleteRange, txn, compact
        case leaseGrant, leaseRevoke, leaseTimeToLive, leaseLeases
        case memberList
        case status, alarm, hashKV
        case authenticate, authStatus
        case healthCheck
    }

    public init(path: String) {
        guard path.hasPrefix("/") else {
            self = .malformed
            return
        }
        let parts = path.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            self = .malformed
            return
        }
        let service = String(parts[0]), method = String(parts[1])
        guard let methods = Self.table[service] else {
            self = .unknownService(service)
            return
        }
        if let route = methods[method] {
            self = route
        } else if Self.refusedMethods[service]?.contains(method) == true {
            self = .refused
        } else {
            self = .unknownMethod(service: service, method: method)
        }
    }

    static let table: [String: [String: EtcdRoute]] = [
        "etcdserverpb.KV": [
            "Range": .unary(.range), "Put": .unary(.put), "DeleteRange": .unary(.deleteRange),
            "Txn": .unary(.txn), "Compact": .unary(.compact),
        ],
        "etcdserverpb.Watch": ["Watch": .watch],
        "etcdserverpb.Lease": [
            "LeaseGrant": .unary(.leaseGrant), "LeaseRevoke": .unary(.leaseRevoke),
            "LeaseKeepAlive": .leaseKeepAlive, "LeaseTimeToLive": .unary(.leaseTimeToLive),
            "LeaseLeases": .unary(.leaseLeases),
        ],
        "etcdserverpb.Cluster": ["MemberList": .unary(.memberList)],
        "etcdserverpb.Maintenance": [
            "Status": .unary(.status), "Alarm": .unary(.alarm), "HashKV": .unary(.hashKV),
        ],
        "etcdserverpb.Auth": [
            "Authenticate": .unary(.authenticate), "AuthStatus": .unary(.authStatus),
        ],
        "grpc.health.v1.Health": ["Check": .unary(.healthCheck)],
    ]

    static let refusedMethods: [String: Set<String>] = [
        "etcdserverpb.Cluster": ["MemberAdd", "MemberRemove", "MemberUpdate", "MemberPromote"],
        "etcdserverpb.Maintenance": ["Defragment", "Hash", "Snapshot", "MoveLeader", "Downgrade"],
        "etcdserverpb.Auth": [
            "AuthEnable", "AuthDisable", "UserAdd", "UserGet", "UserList", "UserDelete",
            "UserChangePassword", "UserGrantRole", "UserRevokeRole", "RoleAdd", "RoleGet",
            "RoleList", "RoleDelete", "RoleGrantPermission", "RoleRevokePermission",
        ],
    ]
}
