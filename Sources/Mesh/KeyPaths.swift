/// Every etcd key the clustermesh-apiserver writes (reference/cilium-clustermesh.md §1.1).
///
/// STABLE API: the server, the demo loader and tests build keys only through these helpers.
/// Keys are `/`-joined without a trailing slash (Go `path.Join`).
public enum KeyPaths {
    public static let base = "cilium"
    public static let statePrefix = "cilium/state"
    public static let heartbeat = "cilium/.heartbeat"
    /// Read by 1.14/1.15 agents only; value `true`.
    public static let hasClusterConfig = "cilium/.has-cluster-config"
    public static let clusterConfigPrefix = "cilium/cluster-config"
    public static let syncedPrefix = "cilium/synced"

    public static let nodesPrefix = "cilium/state/nodes/v1"
    public static let servicesPrefix = "cilium/state/services/v1"
    public static let identitiesPrefix = "cilium/state/identities/v1"
    public static let identityIDPrefix = "cilium/state/identities/v1/id"
    public static let ipPrefix = "cilium/state/ip/v1"
    /// IPs always live in address space `default`.
    public static let ipDefaultPrefix = "cilium/state/ip/v1/default"
    public static let serviceExportsPrefix = "cilium/state/serviceexports/v1"
    /// 1.20+ `ClusterEndpointSlice`s (zstd-compressed protobuf).
    public static let endpointSlicesPrefix = "cilium/state/endpointslices/v1"

    /// The five prefixes a 1.18 apiserver writes a sync canary for, in write order.
    public static let syncedStatePrefixes = [nodesPrefix, servicesPrefix, identitiesPrefix, ipPrefix, serviceExportsPrefix]
    /// The six a 1.20+ apiserver writes (the endpoint slices' last).
    public static let syncedStatePrefixesV2 = syncedStatePrefixes + [endpointSlicesPrefix]

    /// `cilium/state/nodes/v1/<cluster>/<node>`
    public static func node(cluster: String, name: String) -> String {
        "\(nodesPrefix)/\(cluster)/\(name)"
    }

    /// `cilium/state/services/v1/<cluster>/<namespace>/<name>`
    public static func service(cluster: String, namespace: String, name: String) -> String {
        "\(servicesPrefix)/\(cluster)/\(namespace)/\(name)"
    }

    /// `cilium/state/serviceexports/v1/<cluster>/<namespace>/<name>`
    public static func serviceExport(cluster: String, namespace: String, name: String) -> String {
        "\(serviceExportsPrefix)/\(cluster)/\(namespace)/\(name)"
    }

    /// `cilium/state/endpointslices/v1/<cluster>/<namespace>/<slice>` (the EndpointSlice's name,
    /// not the Service's).
    public static func endpointSlice(cluster: String, namespace: String, name: String) -> String {
        "\(endpointSlicesPrefix)/\(cluster)/\(namespace)/\(name)"
    }

    /// `cilium/state/identities/v1/id/<id>`
    public static func identity(id: UInt32) -> String {
        "\(identityIDPrefix)/\(id)"
    }

    /// `cilium/state/ip/v1/default/<prefixString>` (`IPIdentityPair.PrefixString()`).
    public static func ip(_ prefixString: String) -> String {
        "\(ipDefaultPrefix)/\(prefixString)"
    }

    /// `cilium/cluster-config/<cluster>`
    public static func clusterConfig(cluster: String) -> String {
        "\(clusterConfigPrefix)/\(cluster)"
    }

    /// `cilium/synced/<cluster>/<prefix>`, e.g. `cilium/synced/c1/cilium/state/nodes/v1`.
    public static func synced(cluster: String, prefix: String) -> String {
        "\(syncedPrefix)/\(cluster)/\(prefix)"
    }

    /// The five canaries for `cluster`, in `syncedStatePrefixes` order.
    public static func syncedCanaries(cluster: String) -> [String] {
        syncedStatePrefixes.map { synced(cluster: cluster, prefix: $0) }
    }

    /// The six canaries of a 1.20+ apiserver, in `syncedStatePrefixesV2` order.
    public static func syncedCanariesV2(cluster: String) -> [String] {
        syncedStatePrefixesV2.map { synced(cluster: cluster, prefix: $0) }
    }

    /// Inclusive numeric-identity range of a cluster (`pkg/identity/numericidentity.go`):
    /// `[id << shift, ((id + 1) << shift) - 1]`, shift = 24 − log2(maxConnectedClusters + 1)
    /// (16 for 255, 15 for 511). `nil` for an unsupported `maxConnectedClusters`.
    public static func identityRange(clusterID: UInt32, maxConnectedClusters: UInt32 = 255) -> ClosedRange<UInt32>? {
        let shift: UInt32
        switch maxConnectedClusters {
        case 255: shift = 16
        case 511: shift = 15
        default: return nil
        }
        guard clusterID <= maxConnectedClusters else { return nil }
        return (clusterID << shift)...(((clusterID + 1) << shift) - 1)
    }
}
