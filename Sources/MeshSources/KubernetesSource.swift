import KubeClient
import Mesh
import Synchronization

/// Settings of a `KubernetesSource`.
public struct KubernetesSourceOptions: Sendable {
    public var listWatch: ListWatchOptions
    public var timeouts: KubeTimeouts
    /// Most events handed to one `MeshMirror.apply` call (lists go in one `replaceAll`; the
    /// mirror splits store transactions itself).
    public var batchSize: Int
    /// Kinds to watch; nil means every kind the mirror consumes with its configuration.
    public var kinds: Set<KubeKind>?
    /// Kinds whose missing CRD counts as an empty list, so their canary is written anyway. Empty
    /// by default: a canary promises peers that the list is complete, and a peer that sees it
    /// over an empty prefix deletes everything it imported from us (cilium/cilium #47793, a 1.20
    /// bug: the apiserver wrote the canary of an absent CRD). A missing CRD is retried until it
    /// appears and its list completes; only then is the canary written.
    public var emptyWhenMissing: Set<KubeKind>

    public init(
        listWatch: ListWatchOptions = ListWatchOptions(), timeouts: KubeTimeouts = KubeTimeouts(), batchSize: Int = 500,
        kinds: Set<KubeKind>? = nil, emptyWhenMissing: Set<KubeKind> = []
    ) {
        self.listWatch = listWatch
        self.timeouts = timeouts
        self.batchSize = max(1, batchSize)
        self.kinds = kinds
        self.emptyWhenMissing = emptyWhenMissing
    }
}

/// State of one watched kind, for metrics and logs.
public struct KubernetesResourceStatus: Sendable, Equatable {
    public var kind: KubeKind
    public var resource: KubeResource
    public var watch: ListWatchStatus
    /// Objects the model decoder rejected (skipped; logged).
    public var decodeFailures: Int
}

/// The `kubernetes` mesh source: one `ListWatcher` (own thread) per consumed kind, feeding the
/// mirror. A list becomes `.replaceAll(kind, objects)` (the first also completes the kind's
/// initial list; a relist deletes exactly the objects not seen again), watch ADDED/MODIFIED
/// become `.upsert`, DELETED becomes `.delete(kind, objectKey:)`, applied in batches.
public final class KubernetesSource: Sendable {
    public let mirror: MeshMirror
    public let client: KubeHTTPClient
    public let options: KubernetesSourceOptions
    /// Kinds watched, in a stable order.
    public let kinds: [KubeKind]
    let watchers: [KubeKind: ListWatcher]
    let sink: KubernetesSourceSink
    let started = Atomic<Bool>(false)

    /// `log` receives one line per notable event (relist, 410, CRD missing, reconnect, errors).
    public init(
        client: KubeHTTPClient, mirror: MeshMirror, options: KubernetesSourceOptions = KubernetesSourceOptions(),
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.client = client
        self.mirror = mirror
        self.options = options
        let consumed = mirror.configuration.consumedKinds
        let wanted = options.kinds.map { $0.intersection(consumed) } ?? consumed
        kinds = KubeKind.allCases.filter { wanted.contains($0) }
        let sink = KubernetesSourceSink(mirror: mirror, options: options, log: log)
        self.sink = sink
        var watchers: [KubeKind: ListWatcher] = [:]
        for kind in kinds {
            let resource = Self.resource(for: kind, serviceProxyName: mirror.configuration.serviceProxyName)
            watchers[kind] = ListWatcher(
                client: client, resource: resource, alternatives: Self.alternatives(for: kind), options: options.listWatch,
                onLog: log
            ) { update in
                sink.handle(update, kind: kind)
            }
        }
        self.watchers = watchers
    }

    /// Connects with `config` (see `KubernetesSource.loadConfig`).
    public convenience init(
        config: KubeConfig, mirror: MeshMirror, options: KubernetesSourceOptions = KubernetesSourceOptions(),
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(KubeClientError) {
        self.init(client: try KubeHTTPClient(config: config, timeouts: options.timeouts), mirror: mirror, options: options, log: log)
    }

    /// Starts every watcher (each on its own thread); later calls do nothing.
    public func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        sink.log("kubernetes source: watching \(kinds.map(\.rawValue).joined(separator: ", ")) at \(client.config.server)")
        for kind in kinds { watchers[kind]?.start() }
    }

    /// Stops every watcher and waits for their threads (each notices within about 100 ms).
    /// Idempotent; no event reaches the mirror after it returns.
    public func stop() {
        for kind in kinds { watchers[kind]?.requestStop() }
        for kind in kinds { watchers[kind]?.stop() }
    }

    public var status: [KubernetesResourceStatus] {
        let failures = sink.decodeFailures.withLock { $0 }
        return kinds.compactMap { kind in
            guard let watcher = watchers[kind] else { return nil }
            return KubernetesResourceStatus(
                kind: kind, resource: watcher.resource, watch: watcher.status, decodeFailures: failures[kind] ?? 0)
        }
    }

    /// Every watched kind has completed its first list (or counts as empty).
    public var initialListsDone: Bool {
        let done = mirror.status.initialListsDone
        return kinds.allSatisfy { done.contains($0) }
    }

    /// The API collection of `kind` (reference §3.2). Services without a proxy name filter are
    /// selected with `!service.kubernetes.io/service-proxy-name`, as Cilium does.
    public static func resource(for kind: KubeKind, serviceProxyName: String? = nil) -> KubeResource {
        switch kind {
        case .namespace: KubeResource(group: "", version: "v1", plural: "namespaces")
        case .ciliumNode: KubeResource(group: "cilium.io", version: "v2", plural: "ciliumnodes")
        case .ciliumIdentity: KubeResource(group: "cilium.io", version: "v2", plural: "ciliumidentities")
        case .ciliumEndpoint: KubeResource(group: "cilium.io", version: "v2", plural: "ciliumendpoints")
        case .ciliumEndpointSlice: KubeResource(group: "cilium.io", version: "v2alpha1", plural: "ciliumendpointslices")
        case .service:
            KubeResource(
                group: "", version: "v1", plural: "services",
                labelSelector: serviceProxyName.flatMap { $0.isEmpty ? nil : "service.kubernetes.io/service-proxy-name=\($0)" }
                    ?? "!service.kubernetes.io/service-proxy-name")
        case .endpointSlice: KubeResource(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")
        // MCS-API v1beta1 (what Cilium 1.20+ installs and requires); v1alpha1 is the fallback.
        case .serviceExport: KubeResource(group: "multicluster.x-k8s.io", version: "v1beta1", plural: "serviceexports")
        }
    }

    /// Other versions of `kind`'s collection, tried when the preferred one is not served:
    /// older MCS-API ServiceExport CRDs serve `v1alpha1` only.
    public static func alternatives(for kind: KubeKind) -> [KubeResource] {
        kind == .serviceExport ? [KubeResource(group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "serviceexports")] : []
    }
}
