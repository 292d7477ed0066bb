import MVCC
import Synchronization

/// Mirrors Kubernetes objects into the store as Cilium's clustermesh-apiserver does (reference
/// §1, §3.3, §3.4): converts each object to its keys, writes only values that changed (byte
/// compare with what the mirror last wrote), deletes keys no longer produced, arbitrates keys
/// claimed by several objects (`KeyOwnership`), deletes exactly the objects not seen again after
/// a relist, and writes each resource's sync canary once its initial list is in the store.
///
/// Thread-safe; one lock serialises events, and store writes happen under it so the store sees
/// them in event order. Events of one `apply` call are flushed together, in transactions of at
/// most `maxOpsPerTransaction` operations.
public final class MeshMirror: Sendable {
    public let configuration: MeshMirrorConfiguration
    public let store: KVStore
    let state: Mutex<MirrorState>

    public init(configuration: MeshMirrorConfiguration, store: KVStore) {
        self.configuration = configuration
        self.store = store
        self.state = Mutex(MirrorState(configuration: configuration))
    }

    /// Writes the static keys (cluster config, `.has-cluster-config`, heartbeat) and then any
    /// canary that is already due (serviceexports without MCS-API). Canaries are never written
    /// before `start`.
    @discardableResult
    public func start(now: Int64? = nil) -> MeshApplyResult {
        state.withLock { s in
            var result = MeshApplyResult()
            s.writeStaticKeys(store: store, now: now ?? configuration.now(), force: true, into: &result)
            s.started = true
            s.flush(store: store, into: &result)
            return result
        }
    }

    /// Applies events in order and flushes their effect to the store.
    @discardableResult
    public func apply(_ events: [MeshEvent]) -> MeshApplyResult {
        state.withLock { s in
            var result = MeshApplyResult()
            for event in events { s.handle(event, into: &result) }
            s.flush(store: store, into: &result)
            return result
        }
    }

    @discardableResult
    public func apply(_ event: MeshEvent) -> MeshApplyResult { apply([event]) }

    /// Writes `cilium/.heartbeat` (every write produces a watch event, even with an equal value).
    @discardableResult
    public func heartbeat(now: Int64? = nil) -> MeshApplyResult {
        state.withLock { s in
            var result = MeshApplyResult()
            s.put(KeyPaths.heartbeat, DemoData.heartbeatValue(now: now ?? configuration.now()), store: store, into: &result)
            return result
        }
    }

    /// Re-creates static keys and written canaries that are missing or altered in the store
    /// (the 1.18 apiserver re-enforces its cluster config every 5 min and on drift).
    @discardableResult
    public func enforceStaticKeys(now: Int64? = nil) -> MeshApplyResult {
        state.withLock { s in
            var result = MeshApplyResult()
            guard s.started else { return result }
            s.writeStaticKeys(store: store, now: now ?? configuration.now(), force: false, into: &result)
            s.repairCanaries(store: store, into: &result)
            return result
        }
    }

    /// Every enabled resource has written its canary.
    public var isReady: Bool { state.withLock { $0.isReady } }

    public var status: MeshMirrorStatus { state.withLock { $0.status } }

    /// The object that currently owns `key` (diagnostics).
    public func owner(of key: String) -> MeshOwner? { state.withLock { $0.ownership.owner(of: key) } }
}

/// What one call changed in the store.
public struct MeshApplyResult: Sendable, Equatable {
    public var puts = 0
    public var deletes = 0
    /// Objects (or parts of them) not published, with the reason.
    public var rejections: [MeshRejection] = []
    /// Canaries written by this call.
    public var canaries: [MeshResource] = []
    /// Store failures (e.g. `tooManyKeys`); the affected keys are retried on the next call.
    public var storeErrors: [String] = []
    /// Events ignored because their kind is not consumed with this configuration.
    public var ignoredEvents = 0
    /// Store revision after the call (0 if nothing was written).
    public var revision: Int64 = 0

    public init() {}
}

/// Counters for metrics and `/readyz`.
public struct MeshMirrorStatus: Sendable, Equatable {
    /// Keys the mirror holds in the store per resource.
    public var keys: [MeshResource: Int]
    /// Objects tracked per kind.
    public var objects: [KubeKind: Int]
    public var canaries: Set<MeshResource>
    public var initialListsDone: Set<KubeKind>
    public var isReady: Bool
    public var totalPuts: Int
    public var totalDeletes: Int
    public var totalRejections: Int
    public var totalStoreErrors: Int
    /// Keys waiting for a store write (non-zero only after store errors).
    public var pendingKeys: Int
}
