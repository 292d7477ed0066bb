#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Time as KVStoreMesh sees it: injected so that tests step through minutes of timers
/// (drain delay, cache TTL, ready timeouts, heartbeat staleness) without sleeping.
public protocol MeshClock: Sendable {
    /// Monotonic seconds (only differences matter).
    var now: Double { get }
    /// Wall clock, seconds since the Unix epoch (canary values, failure timestamps).
    var wallSeconds: Double { get }
    /// Suspends until `now >= deadline`; throws when the task is cancelled.
    func sleep(until deadline: Double) async throws(CancellationError)
}

extension MeshClock {
    public func sleep(for seconds: Double) async throws(CancellationError) {
        try await sleep(until: now + max(0, seconds))
    }
}

/// The real clocks: `ContinuousClock` for deadlines, `Date` for wall time.
public struct SystemMeshClock: MeshClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: Double {
        let parts = (ContinuousClock.now - origin).components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    public var wallSeconds: Double { Date().timeIntervalSince1970 }

    public func sleep(until deadline: Double) async throws(CancellationError) {
        let delay = deadline - now
        do {
            if delay > 0 {
                try await Task.sleep(for: .nanoseconds(Int64(min(delay, 1e9) * 1e9)))
            } else {
                try Task.checkCancellation()
            }
        } catch {
            throw CancellationError()
        }
    }
}
