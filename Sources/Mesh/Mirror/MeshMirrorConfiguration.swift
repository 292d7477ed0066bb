#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a `MeshMirror` publishes (the apiserver's flags, reference §3.5).
public struct MeshMirrorConfiguration: Sendable {
    public var cluster: MeshClusterInfo
    /// Resources to publish; a canary is written for each. `serviceExports` is on by default
    /// because the 1.18 apiserver always writes that canary (empty without MCS-API).
    public var resources: Set<MeshResource>
    /// `--enable-cilium-endpoint-slice`: IPs come from CiliumEndpointSlices instead of CiliumEndpoints.
    public var enableCiliumEndpointSlice: Bool
    /// `--clustermesh-enable-mcs-api`: publish ServiceExports (and advertise them in the cluster config).
    public var enableMCSAPI: Bool
    /// `--k8s-service-proxy-name`: services labelled with another proxy name are ignored.
    public var serviceProxyName: String?
    /// Write `cilium/.has-cluster-config` = `true` for 1.14/1.15 peers.
    public var writeHasClusterConfig: Bool
    /// Bound on operations per store transaction (bulk loads are split into transactions of
    /// this many puts/deletes, keeping single revisions and watch responses bounded).
    public var maxOpsPerTransaction: Int
    /// Lease attached to every key written (0: none).
    public var leaseID: Int64
    /// Wall clock, seconds since the epoch (canary values).
    public var now: @Sendable () -> Int64

    public init(
        cluster: MeshClusterInfo, resources: Set<MeshResource> = Set(MeshResource.allCases),
        enableCiliumEndpointSlice: Bool = false, enableMCSAPI: Bool = false, serviceProxyName: String? = nil,
        writeHasClusterConfig: Bool = true, maxOpsPerTransaction: Int = 1000, leaseID: Int64 = 0,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.cluster = cluster
        self.resources = resources
        self.enableCiliumEndpointSlice = enableCiliumEndpointSlice
        self.enableMCSAPI = enableMCSAPI
        self.serviceProxyName = serviceProxyName
        self.writeHasClusterConfig = writeHasClusterConfig
        self.maxOpsPerTransaction = max(1, maxOpsPerTransaction)
        self.leaseID = leaseID
        self.now = now
    }

    /// The kinds whose initial lists `resource`'s canary waits for.
    public func kinds(for resource: MeshResource) -> [KubeKind] {
        switch resource {
        case .nodes: [.ciliumNode]
        case .identities: [.ciliumIdentity]
        case .endpoints: [enableCiliumEndpointSlice ? .ciliumEndpointSlice : .ciliumEndpoint]
        case .services: [.service, .endpointSlice]
        // Without MCS-API the 1.18 apiserver "pretends synced" at once.
        case .serviceExports: enableMCSAPI ? [.serviceExport, .service] : []
        }
    }

    /// Kinds the mirror consumes; events for other kinds are ignored.
    public var consumedKinds: Set<KubeKind> {
        var out: Set<KubeKind> = []
        for resource in resources { out.formUnion(kinds(for: resource)) }
        return out
    }

    /// The `cilium/cluster-config/<C>` value a 1.18 apiserver writes.
    public var clusterConfig: ClusterConfigValue {
        ClusterConfigValue(
            id: cluster.id, maxConnectedClusters: cluster.maxConnectedClusters,
            serviceExportsEnabled: resources.contains(.serviceExports) ? enableMCSAPI : nil)
    }
}
