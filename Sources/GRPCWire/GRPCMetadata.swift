/// Helpers for gRPC custom metadata (PROTOCOL-HTTP2 "Custom-Metadata").
public enum GRPCMetadata {
    /// Keys ending in `-bin` carry base64-encoded binary values.
    public static func isBinaryKey(_ key: String) -> Bool {
        key.utf8.count >= 4 && key.hasSuffix("-bin")
    }

    /// Reserved header names the server must not treat as custom metadata
    /// (grpc-go `isReservedHeader`).
    public static func isReservedHeader(_ name: String) -> Bool {
        switch name {
        case "content-type", "user-agent", "grpc-message-type", "grpc-encoding", "grpc-message",
            "grpc-status", "grpc-timeout", "grpc-status-details-bin", "te":
            true
        default:
            name.hasPrefix(":")
        }
    }

    /// Decodes a `-bin` value: standard base64 with padding when the length is a multiple of 4,
    /// unpadded otherwise (grpc-go `decodeBinHeader`). `nil` when not valid base64.
    public static func decodeBinary(_ value: String) -> [UInt8]? {
        Base64.decode(Array(value.utf8))
    }

    /// Encodes a `-bin` value unpadded (grpc-go `encodeBinHeader` uses RawStdEncoding).
    public static func encodeBinary(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes, padded: false)
    }
}

/// Minimal RFC 4648 §4 base64 (standard alphabet).
enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8], padded: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
            if padded { out.append(contentsOf: Array(repeating: UInt8(ascii: "="), count: 3 - rest)) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts padded (length % 4 == 0) or unpadded input; rejects any other character.
    static func decode(_ input: [UInt8]) -> [UInt8]? {
        var chars = input[...]
        if chars.count % 4 == 0 {
            if chars.last == UInt8(ascii: "=") { chars = chars.dropLast() }
            if chars.last == UInt8(ascii: "=") { chars = chars.dropLast() }
        }
        guard chars.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in chars {
            guard let v = value(c) else { return nil }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
