import Synchronization

/// Latches the first `header.cluster_id` of a connection and rejects any other later
/// (`pkg/clustermesh/common/interceptor.go`).
final class ClusterIDLatch: Sendable {
    /// Guards the latched ID; taken alone.
    private let latched = Mutex<UInt64?>(nil)

    init() {}

    var value: UInt64? { latched.withLock { $0 } }

    func check(_ header: RemoteHeader) throws(ConnectionFailure) {
        let previous = latched.withLock { v -> UInt64? in
            if let v { return v }
            v = header.clusterID
            return nil
        }
        if let previous, previous != header.clusterID {
            throw .clusterIDChanged(from: previous, to: header.clusterID)
        }
    }
}
