import Synchronization

/// When the last heartbeat event arrived, and whether the first heartbeat list completed.
final class HeartbeatTracker: Sendable {
    /// Guards the time of the last heartbeat; taken alone.
    private let lastSeen: Mutex<Double>
    enum Establishment: Sendable { case established, failed, timedOut }
    let established = ResumeOnce<Establishment>()

    init(now: Double) { lastSeen = Mutex(now) }

    var last: Double { lastSeen.withLock { $0 } }

    func touch(_ now: Double) { lastSeen.withLock { $0 = max($0, now) } }
}

/// `cilium/.heartbeat` list-watch: any key seen or put counts as a heartbeat (readers use the
/// local receive time, never the value).
struct HeartbeatSink: ListWatchSink {
    let tracker: HeartbeatTracker
    let clock: any MeshClock

    mutating func beginList() {}

    mutating func listed(_ kvs: [RemoteKeyValue]) async {
        if !kvs.isEmpty { tracker.touch(clock.now) }
    }

    mutating func endList(revision: Int64) async { tracker.established.resolve(.established) }

    mutating func events(_ events: [RemoteEvent]) async {
        if events.contains(where: { if case .put = $0 { return true } else { return false } }) {
            tracker.touch(clock.now)
        }
    }
}
