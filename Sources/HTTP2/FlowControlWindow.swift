/// A flow-control window (RFC 9113 §5.2, §6.9). It may become negative after a
/// SETTINGS_INITIAL_WINDOW_SIZE reduction (§6.9.2) and must never exceed 2^31-1.
public struct FlowControlWindow: Equatable, Sendable {
    public static let maxSize = Int(HTTP2Settings.maxWindowSize)

    public private(set) var value: Int

    public init(_ value: Int) {
        self.value = value
    }

    /// Credit available for sending (0 when negative).
    public var available: Int { max(value, 0) }

    /// Adds a WINDOW_UPDATE increment or SETTINGS delta; returns false (unchanged) on overflow
    /// beyond 2^31-1 (§6.9.1: FLOW_CONTROL_ERROR).
    public mutating func adjust(by delta: Int) -> Bool {
        let newValue = value + delta
        guard newValue <= Self.maxSize else { return false }
        value = newValue
        return true
    }

    /// Consumes credit; returns false (unchanged) when `amount` exceeds the window.
    public mutating func consume(_ amount: Int) -> Bool {
        guard amount <= value else { return false }
        value -= amount
        return true
    }
}
