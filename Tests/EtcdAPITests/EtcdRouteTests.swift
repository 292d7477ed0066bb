import Testing

@testable import EtcdAPI

@Suite struct EtcdRouteTests {
    @Test(arguments: [
        ("/etcdserverpb.KV/Range", EtcdRoute.unary(.range)),
        ("/etcdserverpb.KV/Txn", .unary(.txn)),
        ("/etcdserverpb.Watch/Watch", .watch),
        ("/etcdserverpb.Lease/LeaseKeepAlive", .leaseKeepAlive),
        ("/etcdserverpb.Maintenance/Status", .unary(.status)),
        ("/etcdserverpb.Cluster/MemberList", .unary(.memberList)),
        ("/grpc.health.v1.Health/Check", .unary(.healthCheck)),
        ("/etcdserverpb.Maintenance/Defragment", .refused),
        ("/etcdserverpb.Auth/UserAdd", .refused),
        ("/etcdserverpb.KV/Foo", .unknownMethod(service: "etcdserverpb.KV", method: "Foo")),
        ("/v3lockpb.Lock/Lock", .unknownService("v3lockpb.Lock")),
        ("nope", .malformed),
        ("/onlyservice", .malformed),
    ])
    func routes(path: String, expected: EtcdRoute) {
        #expect(EtcdRoute(path: path) == expected)
    }
}
