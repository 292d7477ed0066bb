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
