/// `grpc-timeout` header: `TimeoutValue TimeoutUnit`, at most 8 ASCII digits then one of
/// `H M S m u n` (PROTOCOL-HTTP2 "Timeout"; grpc-go `decodeTimeout`).
public enum GRPCTimeout {
    /// Largest representable timeout; values that overflow are clamped to it (grpc-go clamps
    /// hours to `math.MaxInt64` nanoseconds).
    public static let maxNanoseconds = Int64.max

    /// Parses the header into nanoseconds; `nil` when malformed (too short/long, non-digit,
    /// unknown unit). grpc-go rejects such a request with an Internal error.
    public static func parse(_ value: String) -> Int64? {
        let bytes = Array(value.utf8)
        guard bytes.count >= 2, bytes.count <= 9 else { return nil }
        let nanosPerUnit: Int64
        switch bytes[bytes.count - 1] {
        case UInt8(ascii: "H"): nanosPerUnit = 3_600_000_000_000
        case UInt8(ascii: "M"): nanosPerUnit = 60_000_000_000
        case UInt8(ascii: "S"): nanosPerUnit = 1_000_000_000
        case UInt8(ascii: "m"): nanosPerUnit = 1_000_000
        case UInt8(ascii: "u"): nanosPerUnit = 1_000
        case UInt8(ascii: "n"): nanosPerUnit = 1
        default: return nil
        }
        var amount: Int64 = 0
        for digit in bytes[..<(bytes.count - 1)] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(digit - UInt8(ascii: "0"))  // ≤ 8 digits: no overflow
        }
        let (product, overflow) = amount.multipliedReportingOverflow(by: nanosPerUnit)
        return overflow ? maxNanoseconds : product
    }

    /// Encodes a timeout the way grpc-go's `encodeTimeout` does: the smallest unit whose
    /// amount fits in 8 digits (rounded up so the deadline is never shortened).
    public static func encode(nanoseconds: Int64) -> String {
        guard nanoseconds > 0 else { return "0n" }
        let units: [(Int64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"), (60_000_000_000, "M"),
            (3_600_000_000_000, "H"),
        ]
        let maxAmount: Int64 = 99_999_999
        for (size, unit) in units {
            let amount = nanoseconds / size + (nanoseconds % size == 0 ? 0 : 1)
            if amount <= maxAmount { return "\(amount)\(unit)" }
        }
        return "\(maxAmount)H"
    }
}
