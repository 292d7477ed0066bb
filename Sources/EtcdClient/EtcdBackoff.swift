/// Reconnect delays: exponential growth with full jitter (AWS "Exponential Backoff And
/// Jitter"): attempt n waits a uniformly random time in [0, min(maximum, initial·2ⁿ)].
public struct EtcdBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = max(maximum, initial)
    }

    /// The cap for attempt `attempt` (0-based): initial·2^attempt, at most `maximum`.
    public func ceiling(attempt: Int) -> Duration {
        var value = initial
        for _ in 0..<min(max(attempt, 0), 40) {
            value *= 2
            if value >= maximum { return maximum }
        }
        return min(value, maximum)
    }

    /// A delay for attempt `attempt`, drawn from [0, ceiling].
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let cap = ceiling(attempt: attempt)
        let nanoseconds = cap.components.seconds * 1_000_000_000 + cap.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }
}
