/// A token bucket in integer arithmetic, refilled from caller-supplied monotonic times in
/// nanoseconds: the state machines that use it stay pure and deterministic under test.
///
/// It holds at most `capacity` tokens and regains `perSecond` tokens per second; `give` adds
/// tokens earned by useful work (never beyond `capacity`).
struct TokenBucket: Sendable, Equatable {
    /// One token, in token-nanoseconds.
    static let unit: Int64 = 1_000_000_000

    let capacity: Int
    let perSecond: Int
    /// Available credit in token-nanoseconds (tokens × 10⁹): exact, no rounding drift.
    private var credit: Int64
    private var lastRefill: UInt64?

    init(capacity: Int, perSecond: Int) {
        self.capacity = min(max(capacity, 1), 1 << 30)
        self.perSecond = min(max(perSecond, 0), 1 << 30)
        self.credit = Int64(self.capacity) * Self.unit
    }

    /// Whole tokens available.
    var tokens: Int { Int(credit / Self.unit) }

    private var full: Int64 { Int64(capacity) * Self.unit }

    /// Adds what `perSecond` earned since the previous refill. Times that go backwards are
    /// ignored (the first call only sets the reference point).
    mutating func refill(now: UInt64) {
        guard let last = lastRefill else {
            lastRefill = now
            return
        }
        guard now > last else { return }
        lastRefill = now
        guard perSecond > 0 else { return }
        // Beyond the time that refills an empty bucket, more elapsed time changes nothing; the
        // cap also keeps the product below Int64.max.
        let usefulNanoseconds = UInt64(full / Int64(perSecond)) + 1
        let gained = Int64(min(now - last, usefulNanoseconds)) * Int64(perSecond)
        credit = min(full, credit + gained)
    }

    /// Consumes `count` tokens; false (nothing consumed) when fewer are available.
    mutating func take(_ count: Int = 1) -> Bool {
        guard count <= capacity else { return false }
        let cost = Int64(max(count, 0)) * Self.unit
        guard credit >= cost else { return false }
        credit -= cost
        return true
    }

    /// Adds `count` tokens earned by useful work, up to `capacity`.
    mutating func give(_ count: Int) {
        credit = min(full, credit + Int64(min(max(count, 0), 1 << 30)) * Self.unit)
    }
}
