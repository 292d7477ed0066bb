/// Exponential backoff with jitter: the n-th delay is `min(maximum, minimum * factor^n)`, of which
/// a random half is kept ("equal jitter"), so remotes that fail together do not retry together.
public struct Backoff: Sendable {
    public var minimum: Double
    public var maximum: Double
    public var factor: Double
    private(set) var attempt = 0

    public init(minimum: Double, maximum: Double, factor: Double = 2) {
        self.minimum = max(0, minimum)
        self.maximum = max(self.minimum, maximum)
        self.factor = max(1, factor)
    }

    /// The next delay in seconds; `random` yields values in `[0, 1)`.
    public mutating func next(random: () -> Double) -> Double {
        var ceiling = minimum
        var n = 0
        while n < attempt && ceiling < maximum {
            ceiling *= factor
            n += 1
        }
        ceiling = min(ceiling, maximum)
        attempt += 1
        let r = min(max(random(), 0), 1)
        return ceiling / 2 + ceiling / 2 * r
    }

    public mutating func reset() { attempt = 0 }
}
