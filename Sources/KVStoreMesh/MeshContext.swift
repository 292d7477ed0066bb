import Mesh
import MVCC
import Synchronization

/// What every remote of one KVStoreMesh shares: configuration, the local store, the client
/// factory, the clock, the log and the cluster-ID reservations.
final class MeshContext: Sendable {
    let configuration: KVStoreMeshConfiguration
    let writer: CacheWriter
    let factory: any RemoteClientFactory
    let clock: any MeshClock
    let log: KVStoreMeshLog
    let ids: ClusterIDRegistry
    /// Called whenever a remote's readiness may have changed (connected, canary written, removed).
    let onChange: @Sendable () -> Void

    init(
        configuration: KVStoreMeshConfiguration, store: KVStore, factory: any RemoteClientFactory, clock: any MeshClock,
        log: @escaping KVStoreMeshLog, onChange: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.writer = CacheWriter(
            store: store, maxOps: configuration.maxOpsPerTransaction, maxBytes: configuration.maxBytesPerTransaction)
        self.factory = factory
        self.clock = clock
        self.log = log
        self.ids = ClusterIDRegistry(localName: configuration.clusterName, localID: configuration.clusterID)
        self.onChange = onChange
    }

    func canaryValue() -> [UInt8] {
        Array(GoTime.rfc3339(secondsSinceEpoch: Int64(clock.wallSeconds.rounded(.down))).utf8)
    }
}

/// Cluster IDs in use (`pkg/clustermesh/idsmgr.go`): the local one and one per remote; a remote
/// whose configuration claims an ID in use by another cluster is refused.
final class ClusterIDRegistry: Sendable {
    /// Guards the ID → owner map; taken alone.
    private let owners: Mutex<[UInt32: String]>
    private let localName: String

    init(localName: String, localID: UInt32) {
        self.localName = localName
        self.owners = Mutex([localID: "\u{0}local"])
    }

    /// Reserves `id` for `remote` (releasing what it held before); returns a description of the
    /// current owner when the ID is taken.
    func reserve(_ id: UInt32, for remote: String) -> String? {
        owners.withLock { o -> String? in
            if let owner = o[id], owner != remote {
                return owner == "\u{0}local" ? "the local cluster \(localName)" : "remote cluster \(owner)"
            }
            for (k, v) in o where v == remote && k != id { o.removeValue(forKey: k) }
            o[id] = remote
            return nil
        }
    }

    func release(_ remote: String) {
        owners.withLock { o in
            for (k, v) in o where v == remote { o.removeValue(forKey: k) }
        }
    }
}
