import Synchronization

/// The remotes currently configured, readable without suspending (status, metrics, readiness).
final class RemoteRegistry: Sendable {
    /// Guards the map; taken before any `RemoteCluster.state`, never across a suspension.
    private let remotes = Mutex<[String: RemoteCluster]>([:])

    init() {}

    var all: [String: RemoteCluster] { remotes.withLock { $0 } }

    func set(_ name: String, _ remote: RemoteCluster?) { remotes.withLock { $0[name] = remote } }
}
