import Synchronization

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
