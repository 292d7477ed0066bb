/// Writes gRPC length-prefixed messages (PROTOCOL-HTTP2 "Length-Prefixed-Message"):
/// 1 byte compressed flag, 4 bytes big-endian length, then the payload.
public enum GRPCMessageFramer {
    /// Size of the prefix in front of every message.
    public static let prefixLength = 5

    /// Appends `payload` with its 5-byte prefix to `out`. The caller guarantees
    /// `payload.count <= UInt32.max` (our messages are bounded far below that).
    public static func frame(_ payload: [UInt8], compressed: Bool = false, into out: inout [UInt8]) {
        frame(payload[...], compressed: compressed, into: &out)
    }

    /// Same as `frame(_:compressed:into:)` for a slice.
    public static func frame(_ payload: ArraySlice<UInt8>, compressed: Bool = false, into out: inout [UInt8]) {
        let length = UInt32(truncatingIfNeeded: payload.count)
        out.reserveCapacity(out.count + prefixLength + payload.count)
        out.append(compressed ? 1 : 0)
        out.append(UInt8(truncatingIfNeeded: length >> 24))
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(contentsOf: payload)
    }

    /// Convenience returning a new array.
    public static func framed(_ payload: [UInt8], compressed: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        frame(payload, compressed: compressed, into: &out)
        return out
    }
}
