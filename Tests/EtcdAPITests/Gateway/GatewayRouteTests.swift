import Testing

@testable import EtcdAPI

@Suite struct GatewayRouteTests {
    @Test(arguments: [
        ("/v3/kv/range", GatewayRoute.unary(.range)),
        ("/v3/kv/put", .unary(.put)),
        ("/v3/kv/deleterange", .unary(.deleteRange)),
        ("/v3/kv/txn", .unary(.txn)),
        ("/v3/kv/compaction", .unary(.compact)),
        ("/v3/watch", .watch),
        ("/v3/lease/grant", .unary(.leaseGrant)),
        ("/v3/lease/revoke", .unary(.leaseRevoke)),
        ("/v3/kv/lease/revoke", .unary(.leaseRevoke)),
        ("/v3/lease/keepalive", .leaseKeepAlive),
        ("/v3/lease/timetolive", .unary(.leaseTimeToLive)),
        ("/v3/kv/lease/timetolive", .unary(.leaseTimeToLive)),
        ("/v3/lease/leases", .unary(.leaseLeases)),
        ("/v3/kv/lease/leases", .unary(.leaseLeases)),
        ("/v3/cluster/member/list", .unary(.memberList)),
        ("/v3/maintenance/status", .unary(.status)),
        ("/v3/maintenance/alarm", .unary(.alarm)),
        ("/v3/maintenance/hash", .unary(.hashKV)),
        ("/v3/maintenance/hashkv", .unary(.hashKV)),
        ("/v3/auth/authenticate", .unary(.authenticate)),
        ("/v3/auth/status", .unary(.authStatus)),
        ("/v3beta/kv/range", .unary(.range)),
        ("/v3beta/watch", .watch),
        ("/v3/cluster/member/add", .refused),
        ("/v3/maintenance/snapshot", .refused),
        ("/v3/maintenance/defragment", .refused),
        ("/v3/auth/user/add", .refused),
        ("/v3/auth/enable", .refused),
        ("/v3/lock/lock", .unimplemented(service: "v3lockpb.Lock")),
        ("/v3/election/campaign", .unimplemented(service: "v3electionpb.Election")),
        ("/v3/kv/nope", .notFound(gatewayPrefix: true)),
        ("/v3alpha/kv/range", .notFound(gatewayPrefix: false)),
        ("/metrics", .notFound(gatewayPrefix: false)),
    ])
    func post(path: String, expected: GatewayRoute) {
        #expect(GatewayRoute(path: path, method: "POST") == expected)
    }

    @Test func methods() {
        #expect(GatewayRoute(path: "/v3/kv/range", method: "GET") == .methodNotAllowed(allow: "POST"))
        #expect(GatewayRoute(path: "/v3/watch", method: "PUT") == .methodNotAllowed(allow: "POST"))
        #expect(GatewayRoute(path: "/v3/nope", method: "GET") == .notFound(gatewayPrefix: true))
        #expect(GatewayRoute(path: "/anything", method: "OPTIONS") == .preflight)
        #expect(GatewayRoute(path: "/version", method: "GET") == .version)
        #expect(GatewayRoute(path: "/version", method: "POST") == .methodNotAllowed(allow: "GET"))
        #expect(GatewayRoute(path: "/health", method: "GET") == .health)
        #expect(GatewayRoute(path: "/health", method: "HEAD") == .methodNotAllowed(allow: "GET"))
    }
}
