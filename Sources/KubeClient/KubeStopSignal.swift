import Synchronization

/// A one-way stop flag shared by a loop and whoever stops it. Blocking waits in the client
/// poll in short slices and return early once it is set.
public final class KubeStopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isStopped: Bool { flag.load(ordering: .acquiring) }

    public func stop() { flag.store(true, ordering: .releasing) }

    /// Sleeps for `duration` or until stopped; returns false if stopped.
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        let deadline = ContinuousClock.now + duration
        while !isStopped {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return true }
            nap(min(left, .milliseconds(20)))
        }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// `nanosleep` for a duration (no Foundation needed).
func nap(_ d: Duration) {
    let (seconds, attos) = d.components
    var ts = timespec(tv_sec: Int(max(0, seconds)), tv_nsec: Int(max(0, attos / 1_000_000_000)))
    _ = nanosleep(&ts, nil)
}
