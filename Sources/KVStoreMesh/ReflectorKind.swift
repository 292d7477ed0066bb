import Mesh

/// The reflectors of Cilium's KVStoreMesh (`pkg/clustermesh/kvstoremesh/reflector/cell.go`,
/// reference/cilium-1.19-plus.md §A.2 table). Raw values are upstream's `reflector.Name`s;
/// `allCases` is their sorted order, which the drain follows.
///
/// `endpointSlices` (1.20+ ClusterMesh Service v2, reference §B) is not in the stored upstream
/// `cell.go` versions; agents on main read `cilium/cache/endpointslices/v1/<R>` and wait for its
/// canary when the remote's `endpointSlicesExportMode` is set, so it follows the same pattern
/// (name `endpoint slices`, as the agent's observer is called, revocable like services).
public enum ReflectorKind: String, CaseIterable, Sendable, Comparable {
    case endpointSlices = "endpoint slices"
    case endpoints
    case identities
    case nodes
    case serviceExports = "service exports"
    case services

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The state prefix the kind lives under in a clustermesh-apiserver (`basePrefix`).
    public var basePrefix: String {
        switch self {
        case .endpointSlices: return KeyPaths.endpointSlicesPrefix
        case .endpoints: return KeyPaths.ipPrefix
        case .identities: return KeyPaths.identitiesPrefix
        case .nodes: return KeyPaths.nodesPrefix
        case .serviceExports: return KeyPaths.serviceExportsPrefix
        case .services: return KeyPaths.servicesPrefix
        }
    }

    /// `kvstore.StateToCachePrefix(basePrefix)`: `cilium/state/...` → `cilium/cache/...`.
    public var cacheBasePrefix: String { Self.stateToCache(basePrefix) }

    /// What a clustermesh-apiserver's remote reader watches for cluster `remote` (without the
    /// trailing `/` the watch store appends).
    public func statePrefix(remote: String) -> String {
        switch self {
        case .endpoints: return KeyPaths.ipDefaultPrefix
        case .identities: return KeyPaths.identityIDPrefix
        default: return "\(basePrefix)/\(remote)"
        }
    }

    /// Where KVStoreMesh caches cluster `remote` locally (without trailing `/`).
    public func cachePrefix(remote: String) -> String {
        switch self {
        case .identities: return "\(cacheBasePrefix)/\(remote)/id"
        default: return "\(cacheBasePrefix)/\(remote)"
        }
    }

    /// The remote prefix to list and watch: a `cached` remote (itself a KVStoreMesh) is read at
    /// its cache prefix (`Register` in reflector.go).
    public func watchPrefix(remote: String, cached: Bool) -> String {
        cached ? cachePrefix(remote: remote) : statePrefix(remote: remote)
    }

    /// The remote canary this reflector waits for (`mgr.Register(syncPrefix, ...)`): the key
    /// `cilium/synced/<remote>/<syncPrefix>`.
    public func remoteCanary(remote: String, cached: Bool) -> String {
        KeyPaths.synced(cluster: remote, prefix: cached ? cacheBasePrefix : basePrefix)
    }

    /// The canary KVStoreMesh writes locally once the initial list is cached
    /// (`WSSWithSyncedKeyOverride(StateToCachePrefix(basePrefix))`).
    public func localCanary(remote: String) -> String {
        KeyPaths.synced(cluster: remote, prefix: cacheBasePrefix)
    }

    /// Revoked when the remote stays unreachable longer than `--clustermesh-cache-ttl`
    /// (`WithRevocation()`).
    public var revocable: Bool { self == .services || self == .serviceExports || self == .endpointSlices }

    /// Key of the kind in the status API's `synced` object.
    public var statusName: String {
        switch self {
        case .endpointSlices: return "endpoint-slices"
        case .endpoints: return "endpoints"
        case .identities: return "identities"
        case .nodes: return "nodes"
        case .serviceExports: return "service-exports"
        case .services: return "services"
        }
    }

    static func stateToCache(_ prefix: String) -> String {
        let state = KeyPaths.statePrefix + "/"
        guard prefix.hasPrefix(state) else { return prefix }
        return "cilium/cache/" + prefix.dropFirst(state.count)
    }
}
