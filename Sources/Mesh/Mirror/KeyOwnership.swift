/// The Kubernetes object an entry comes from.
public struct MeshOwner: Sendable, Hashable, CustomStringConvertible {
    public var kind: KubeKind
    /// `namespace/name` or `name`.
    public var objectKey: String

    public init(kind: KubeKind, objectKey: String) {
        self.kind = kind
        self.objectKey = objectKey
    }

    public var description: String { "\(kind.rawValue) \(objectKey)" }
}

/// Which objects produce which keys, and which of them owns each key (reference §3.3, the
/// `entryGroup` design of Cilium PR #45780): the first claimer of a key is its owner, later
/// claimers queue; when the owner stops producing the key the next claimer in line takes over
/// with its own value, so a late delete of an old endpoint never removes an IP a new endpoint
/// already uses. Pure bookkeeping: it reports the keys whose desired value may have changed.
struct KeyOwnership {
    private struct Claim {
        var owner: MeshOwner
        var waiting: [MeshOwner] = []
    }

    /// Entries per object, as last converted.
    private(set) var produced: [MeshOwner: [String: [UInt8]]] = [:]
    private var claims: [String: Claim] = [:]

    var claimedKeyCount: Int { claims.count }

    /// The value the store should hold for `key`: the owner's entry, nil when nobody claims it.
    func desiredValue(_ key: String) -> [UInt8]? {
        guard let claim = claims[key] else { return nil }
        return produced[claim.owner]?[key]
    }

    /// The current owner of `key`.
    func owner(of key: String) -> MeshOwner? { claims[key]?.owner }

    /// Replaces everything `owner` produces by `entries` (a later duplicate key wins); calls
    /// `touched` for every key whose desired value may have changed.
    mutating func set(_ owner: MeshOwner, entries: [MeshEntry], touched: (String) -> Void) {
        let old = produced[owner] ?? [:]
        if entries.isEmpty && old.isEmpty { return }
        var new: [String: [UInt8]] = [:]
        new.reserveCapacity(entries.count)
        for entry in entries { new[entry.key] = entry.value }
        if new.isEmpty {
            produced.removeValue(forKey: owner)
        } else {
            produced[owner] = new
        }
        for (key, value) in new {
            if let previous = old[key] {
                if previous != value && claims[key]?.owner == owner { touched(key) }
                continue
            }
            if var claim = claims[key] {
                if claim.owner != owner && !claim.waiting.contains(owner) {
                    claim.waiting.append(owner)
                    claims[key] = claim
                }
            } else {
                claims[key] = Claim(owner: owner)
                touched(key)
            }
        }
        for key in old.keys where new[key] == nil {
            release(key, by: owner, touched: touched)
        }
    }

    /// Forgets `owner` entirely (object deleted).
    mutating func remove(_ owner: MeshOwner, touched: (String) -> Void) {
        set(owner, entries: [], touched: touched)
    }

    private mutating func release(_ key: String, by owner: MeshOwner, touched: (String) -> Void) {
        guard var claim = claims[key] else { return }
        if claim.owner == owner {
            // The next claimer in line still produces the key (it left the queue otherwise).
            if claim.waiting.isEmpty {
                claims.removeValue(forKey: key)
            } else {
                claim.owner = claim.waiting.removeFirst()
                claims[key] = claim
            }
            touched(key)
        } else if let index = claim.waiting.firstIndex(of: owner) {
            claim.waiting.remove(at: index)
            claims[key] = claim
        }
    }
}
