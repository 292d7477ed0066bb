/// Who is calling, as far as permissions are concerned.
///
/// Issue scope for now: plaintext clients are anonymous and get the role chosen with
/// `--anonymous-access`. Certificate principals (CN → user → role) arrive with mTLS.
public enum Principal: Sendable, Equatable {
    case anonymous
    case user(String)
}

/// What a caller may do with keys.
public enum AccessLevel: Sendable, Equatable {
    case read
    case readWrite
}

/// Decides, per request, whether a principal may read or write a key range.
public struct AccessPolicy: Sendable {
    public var anonymousAccess: AccessLevel

    public init(anonymousAccess: AccessLevel = .read) {
        self.anonymousAccess = anonymousAccess
    }

    public func level(for principal: Principal) -> AccessLevel {
        switch principal {
        case .anonymous: return anonymousAccess
        case .user: return .read
        }
    }

    public func canRead(_ principal: Principal, key: [UInt8], end: [UInt8]) -> Bool {
        true
    }

    public func canWrite(_ principal: Principal, key: [UInt8], end: [UInt8]) -> Bool {
        level(for: principal) == .readWrite
    }

    /// Compact, Alarm activation, Defragment: etcd's admin check.
    public func isAdmin(_ principal: Principal) -> Bool {
        level(for: principal) == .readWrite
    }
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
