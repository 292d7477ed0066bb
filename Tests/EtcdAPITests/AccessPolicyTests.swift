import EtcdAPI
import Testing

/// Cilium's roles (`pkg/kvstore/etcdinit/init.go`, reference/cilium-1.19-plus.md §A.4) as the
/// KVStoreMesh role needs them: `local-<C>` reads the cache view, remote peers never see it.
@Suite struct AccessPolicyTests {
    static let users: UserDirectory = {
        let u = UserDirectory(clusterName: "c1")
        u.replaceFileUsers([(name: "remote-c2", role: .remote)])
        return u
    }()
    let policy = AccessPolicy(anonymousAccess: .read, users: Self.users)

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// clientv3 `WithPrefix` range end.
    static func prefixEnd(_ s: String) -> [UInt8] {
        var b = bytes(s)
        b[b.count - 1] += 1
        return b
    }

    func key(_ user: String, _ k: String) -> Bool { policy.canRead(.user(user), key: Self.bytes(k), end: []) }
    func prefix(_ user: String, _ p: String) -> Bool { policy.canRead(.user(user), key: Self.bytes(p), end: Self.prefixEnd(p)) }

    @Test func localUserReadsExactlyTheCacheView() {
        let local = "local-c1"
        #expect(policy.role(of: .user(local)) == .local)
        #expect(key(local, "cilium/.heartbeat"))
        #expect(prefix(local, "cilium/.heartbeat"))
        #expect(prefix(local, "cilium/cache/"))
        #expect(prefix(local, "cilium/cache/nodes/v1/c2/"))
        #expect(key(local, "cilium/cache/identities/v1/c2/id/131072"))
        #expect(prefix(local, "cilium/cluster-config/"))
        #expect(key(local, "cilium/cluster-config/c2"))
        #expect(prefix(local, "cilium/synced/"))
        #expect(prefix(local, "cilium/synced/c2/"))
        // Nothing else: not the local export, not the legacy flag, not everything.
        #expect(!prefix(local, "cilium/state/"))
        #expect(!key(local, "cilium/state/nodes/v1/c1/n1"))
        #expect(!key(local, "cilium/.has-cluster-config"))
        #expect(!prefix(local, "cilium/"))
        #expect(!policy.canRead(.user(local), key: [0], end: [0]))
        #expect(!policy.canWrite(.user(local), key: Self.bytes("cilium/cache/x"), end: []))
        // Another cluster's local user is unknown here.
        #expect(policy.role(of: .user("local-c2")) == nil)
    }

    @Test(arguments: ["remote", "remote-c2"])
    func remoteUsersNeverSeeTheCache(_ user: String) {
        #expect(policy.role(of: .user(user)) == .remote)
        #expect(prefix(user, "cilium/state/"))
        #expect(key(user, "cilium/cluster-config/c1"))
        #expect(prefix(user, "cilium/synced/c1/"))
        // The cache and the republished configs / canaries of the remotes we cache.
        #expect(!prefix(user, "cilium/cache/"))
        #expect(!key(user, "cilium/cache/nodes/v1/c2/n1"))
        #expect(!prefix(user, "cilium/cache/nodes/v1/c2/"))
        #expect(!key(user, "cilium/cluster-config/c2"))
        #expect(!prefix(user, "cilium/cluster-config/"))
        #expect(!prefix(user, "cilium/synced/c2/"))
        #expect(!key(user, "cilium/synced/c2/cilium/cache/nodes/v1"))
        #expect(!prefix(user, "cilium/synced/"))
        #expect(!prefix(user, "cilium/"))
        #expect(!policy.canWrite(.user(user), key: Self.bytes("cilium/state/x"), end: []))
    }

    @Test func rootAndAdminReadEverything() {
        #expect(prefix("admin-c1", "cilium/cache/"))
        #expect(policy.canWrite(.user("admin-c1"), key: Self.bytes("cilium/cache/x"), end: []))
        #expect(prefix("root", "cilium/"))
    }
}
