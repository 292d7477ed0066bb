import Synchronization

/// Who is calling, as far as permissions are concerned.
public enum Principal: Sendable, Equatable {
    /// A plaintext client: gets `AccessPolicy.anonymousAccess`.
    case anonymous
    /// A client certificate's CN, verified against the client CA.
    case user(String)
}

/// What a caller may do with keys.
public enum AccessLevel: Sendable, Equatable {
    case read
    case readWrite
}

/// The roles Cilium's etcd bootstrap (`clustermesh-apiserver etcdinit`) creates.
public enum Role: String, Sendable, Equatable {
    /// `root` and `admin-<cluster>`: everything.
    case root
    /// `remote` and `remote-<peer>`: read what remote peers list and watch.
    case remote
    /// `local-<cluster>`: read what local agents read from KVStoreMesh's cache.
    case local
}

/// Per-call information the handlers need.
public struct CallContext: Sendable {
    public var principal: Principal
    /// Request metadata (lowercase names), e.g. `hasleader`, `token`, `client-api-version`.
    public var metadata: [(String, String)]

    public init(principal: Principal = .anonymous, metadata: [(String, String)] = []) {
        self.principal = principal
        self.metadata = metadata
    }
}

/// Decides, per request, whether a principal may read or write a key range.
///
/// Plaintext clients get `anonymousAccess`. Certificate users get their role's permissions:
/// `root` everything; `remote` and `local` read exactly the ranges Cilium's bootstrap grants
/// (`pkg/kvstore/etcdinit/init.go`), and never write. `remote` never reaches `cilium/cache/`
/// (a mesh must not re-export what it caches from other clusters). A range request is permitted only if it
/// lies inside one permitted range, as etcd's `IsRangePermitted` requires.
public struct AccessPolicy: Sendable {
    public var anonymousAccess: AccessLevel
    public let users: UserDirectory?
    let remoteRanges: [KeyRange]
    let localRanges: [KeyRange]

    public init(anonymousAccess: AccessLevel = .read, users: UserDirectory? = nil) {
        self.anonymousAccess = anonymousAccess
        self.users = users
        let cluster = users?.clusterName ?? ""
        remoteRanges = [
            .prefix("cilium/.heartbeat"),
            .prefix("cilium/state/"),
            .key("cilium/cluster-config/\(cluster)"),
            .prefix("cilium/synced/\(cluster)/"),
            .key("cilium/.has-cluster-config"),
        ]
        // `rangesForLocalRole` in pkg/kvstore/etcdinit/init.go: exactly these four; in
        // particular no `cilium/state/` (the local export) and nothing KVStoreMesh does not serve.
        localRanges = [
            .prefix("cilium/.heartbeat"),
            .prefix("cilium/cache/"),
            .prefix("cilium/cluster-config/"),
            .prefix("cilium/synced/"),
        ]
    }

    public func role(of principal: Principal) -> Role? {
        switch principal {
        case .anonymous: return nil
        case .user(let name): return users?.role(of: name)
        }
    }

    public func canRead(_ principal: Principal, key: [UInt8], end: [UInt8]) -> Bool {
        if principal == .anonymous { return true }
        switch role(of: principal) {
        case .root: return true
        case .remote: return KeyRange.request(key, end).isInside(any: remoteRanges)
        case .local: return KeyRange.request(key, end).isInside(any: localRanges)
        case nil: return false
        }
    }

    public func canWrite(_ principal: Principal, key: [UInt8], end: [UInt8]) -> Bool {
        if principal == .anonymous { return anonymousAccess == .readWrite }
        return role(of: principal) == .root
    }

    /// Compact, Alarm activation, Defragment: etcd's admin check.
    public func isAdmin(_ principal: Principal) -> Bool {
        canWrite(principal, key: [0], end: [0])
    }

    /// Granting and revoking leases: every certificate user (Cilium 1.14–1.16 peers hold a
    /// session lease although they only read); anonymous clients only with read-write access.
    public func canManageLeases(_ principal: Principal) -> Bool {
        if principal == .anonymous { return anonymousAccess == .readWrite }
        return role(of: principal) != nil
    }

    /// Leases and Maintenance.Status: every authenticated principal (Cilium 1.14–1.16 peers).
    public func isAuthenticated(_ principal: Principal) -> Bool {
        principal == .anonymous || role(of: principal) != nil
    }

    /// AuthStatus reports auth as enabled when clients are identified by certificates.
    public var authEnabled: Bool { users != nil }
}

/// The users a certificate CN may map to: the built-in ones and those of the users file
/// (Cilium's `clustermesh-remote-users` ConfigMap), which can change while running.
public final class UserDirectory: Sendable {
    public let clusterName: String
    private let fileUsers = Mutex<[String: Role]>([:])

    public init(clusterName: String) {
        self.clusterName = clusterName
    }

    public func role(of name: String) -> Role? {
        switch name {
        case "root", "admin-\(clusterName)": return .root
        case "remote": return .remote
        case "local-\(clusterName)": return .local
        default: return fileUsers.withLock { $0[name] }
        }
    }

    public func knows(_ name: String) -> Bool { role(of: name) != nil }

    /// Replaces the users-file entries; the local cluster's own `remote-<name>` is skipped, as
    /// Cilium's users management does.
    public func replaceFileUsers(_ users: [(name: String, role: Role)]) {
        var map: [String: Role] = [:]
        for u in users where u.name != "remote-\(clusterName)" && !u.name.isEmpty {
            map[u.name] = u.role
        }
        fileUsers.withLock { $0 = map }
    }

    public var fileUserNames: [String] { fileUsers.withLock { Array($0.keys).sorted() } }
}

/// A half-open key interval `[start, end)`; `end == nil` means unbounded.
struct KeyRange: Sendable, Equatable {
    var start: [UInt8]
    var end: [UInt8]?

    static func prefix(_ p: String) -> KeyRange {
        let bytes = Array(p.utf8)
        return KeyRange(start: bytes, end: prefixEnd(bytes))
    }

    static func key(_ k: String) -> KeyRange {
        let bytes = Array(k.utf8)
        return KeyRange(start: bytes, end: bytes + [0])
    }

    /// A request's range, with etcd's conventions: empty end = one key, "\0" = from key on.
    static func request(_ key: [UInt8], _ end: [UInt8]) -> KeyRange {
        if end.isEmpty { return KeyRange(start: key, end: key + [0]) }
        if end == [0] { return KeyRange(start: key, end: nil) }
        return KeyRange(start: key, end: end)
    }

    /// clientv3 `GetPrefixRangeEnd`.
    static func prefixEnd(_ p: [UInt8]) -> [UInt8]? {
        var e = p
        while let last = e.last {
            if last < 0xff {
                e[e.count - 1] = last + 1
                return e
            }
            e.removeLast()
        }
        return nil
    }

    func isInside(_ outer: KeyRange) -> Bool {
        guard !start.lexicographicallyPrecedes(outer.start) else { return false }
        guard let outerEnd = outer.end else { return true }
        guard let end else { return false }
        return !outerEnd.lexicographicallyPrecedes(end)
    }

    func isInside(any ranges: [KeyRange]) -> Bool {
        ranges.contains { isInside($0) }
    }
}
