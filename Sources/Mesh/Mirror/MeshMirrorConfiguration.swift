#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--clustermesh-service-v2` (1.20+, reference/cilium-1.19-plus.md §B.1): which service
/// representations this cluster exports. `ClusterEndpointSlice`s are exported in every mode;
/// `prefer-legacy` (upstream's 1.20 default) and `prefer-endpointslice` also export the legacy
/// `ClusterService`s, `only-endpointslice` does not.
public enum ServiceV2Mode: String, Sendable, Hashable, CaseIterable {
    case preferLegacy = "prefer-legacy"
    case preferEndpointSlice = "prefer-endpointslice"
    case onlyEndpointSlice = "only-endpointslice"

    /// Upstream `ShouldExportLegacyServices()`.
    public var exportsLegacyServices: Bool { self != .onlyEndpointSlice }
}

/// How a `MeshMirror` publishes (the apiserver's flags, reference §3.5).
public struct MeshMirrorConfiguration: Sendable {
    public var cluster: MeshClusterInfo
    /// Resources to publish; a canary is written for each. `serviceExports` is on by default
    /// because the apiserver always writes that canary (empty without MCS-API).
    public var resources: Set<MeshResource>
    /// `--enable-cilium-endpoint-slice`: IPs come from CiliumEndpointSlices instead of CiliumEndpoints.
    public var enableCiliumEndpointSlice: Bool
    /// `--clustermesh-enable-mcs-api`: publish ServiceExports (and advertise them in the cluster config).
    public var enableMCSAPI: Bool
    /// `--k8s-service-proxy-name`: services labelled with another proxy name are ignored.
    public var serviceProxyName: String?
    /// Write `cilium/.has-cluster-config` = `true` for 1.14/1.15 peers.
    public var writeHasClusterConfig: Bool
    /// `--clustermesh-service-v2`.
    public var serviceV2Mode: ServiceV2Mode
    /// `--clustermesh-default-global-namespace` (1.19+, default true): whether a namespace
    /// without the `clustermesh.cilium.io/global` annotation is global.
    public var defaultGlobalNamespace: Bool
    /// Hold back objects whose namespace has no Namespace object yet (upstream: the namespace
    /// manager cannot find it and the event is retried until it can). True for the Kubernetes
    /// source, where every namespace exists; false for file, synthetic and demo sources, where
    /// a namespace without a Namespace object counts as un-annotated (the default decides).
    public var requireNamespaceObjects: Bool
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
        writeHasClusterConfig: Bool = true, serviceV2Mode: ServiceV2Mode = .preferLegacy,
        defaultGlobalNamespace: Bool = true, requireNamespaceObjects: Bool = false,
        maxOpsPerTransaction: Int = 1000, leaseID: Int64 = 0,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.cluster = cluster
        self.resources = resources
        self.enableCiliumEndpointSlice = enableCiliumEndpointSlice
        self.enableMCSAPI = enableMCSAPI
        self.serviceProxyName = serviceProxyName
        self.writeHasClusterConfig = writeHasClusterConfig
        self.serviceV2Mode = serviceV2Mode
        self.defaultGlobalNamespace = defaultGlobalNamespace
        self.requireNamespaceObjects = requireNamespaceObjects
        self.maxOpsPerTransaction = max(1, maxOpsPerTransaction)
        self.leaseID = leaseID
        self.now = now
    }

    /// Whether `services/v1` entries are written (the canary is written in every mode: with
    /// `only-endpointslice` it "pretends synced", as upstream does for disabled service exports,
    /// so peers that predate `endpointSlicesExportMode` are not left waiting for it).
    public var exportsLegacyServices: Bool { serviceV2Mode.exportsLegacyServices }

    /// The kinds whose initial lists `resource`'s canary waits for. Every resource filtered by
    /// namespace (all but nodes) also waits for the Namespace list.
    public func kinds(for resource: MeshResource) -> [KubeKind] {
        switch resource {
        case .nodes: [.ciliumNode]
        case .identities: [.ciliumIdentity, .namespace]
        case .endpoints: [enableCiliumEndpointSlice ? .ciliumEndpointSlice : .ciliumEndpoint, .namespace]
        case .services: exportsLegacyServices ? [.service, .endpointSlice, .namespace] : []
        // Without MCS-API the apiserver "pretends synced" at once.
        case .serviceExports: enableMCSAPI ? [.serviceExport, .service, .namespace] : []
        case .endpointSlices: [.endpointSlice, .service, .namespace]
        }
    }

    /// Kinds the mirror consumes; events for other kinds are ignored.
    public var consumedKinds: Set<KubeKind> {
        var out: Set<KubeKind> = []
        for resource in resources { out.formUnion(kinds(for: resource)) }
        return out
    }

    /// `endpointSlicesExportMode` advertised in the cluster config: empty (omitted, "services
    /// only" for readers) when endpoint slices are not published.
    public var endpointSlicesExportMode: String {
        guard resources.contains(.endpointSlices) else { return "" }
        return exportsLegacyServices
            ? ClusterConfigValue.exportModeServicesAndEndpointSlices : ClusterConfigValue.exportModeEndpointSlicesOnly
    }

    /// The `cilium/cluster-config/<C>` value the apiserver writes.
    public var clusterConfig: ClusterConfigValue {
        ClusterConfigValue(
            id: cluster.id, maxConnectedClusters: cluster.maxConnectedClusters,
            serviceExportsEnabled: resources.contains(.serviceExports) ? enableMCSAPI : nil,
            endpointSlicesExportMode: endpointSlicesExportMode)
    }
}
