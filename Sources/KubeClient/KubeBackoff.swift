/// Exponential backoff with jitter: the n-th consecutive failure waits a random time in
/// `[d/2, d]` with `d = min(initial · 2ⁿ, maximum)`. Pure apart from the injected random source.
public struct KubeBackoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The delay before the next attempt; counts one more failure.
    public mutating func next(random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Duration {
        let ceiling = self.ceiling
        failures += 1
        return ceiling * random(0.5...1.0)
    }

    /// The upper bound of the next delay.
    public var ceiling: Duration {
        var d = initial
        var n = 0
        while n < failures && d < maximum {
            d = d * 2
            n += 1
        }
        return min(d, maximum)
    }

    public mutating func reset() { failures = 0 }
}
