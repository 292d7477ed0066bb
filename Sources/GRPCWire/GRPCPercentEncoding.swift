/// `grpc-message` percent-encoding, as grpc-go's `encodeGrpcMessage` / `decodeGrpcMessage`
/// (`internal/transport/http_util.go`; PROTOCOL-HTTP2 "Status-Message").
public enum GRPCPercentEncoding {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Bytes 0x20–0x7E except `%` pass through; every other byte (all UTF-8 multi-byte
    /// sequences included) becomes `%XX` with uppercase hex.
    public static func encode(_ message: String) -> String {
        let utf8 = message.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: "%") }) {
            return message
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3)
        for byte in utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` (either case); a `%` not followed by two hex digits is kept literally.
    /// Invalid UTF-8 in the result is replaced with U+FFFD.
    public static func decode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return value }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            // grpc-go: `c == '%' && i+2 < len(msg)` then ParseUint(msg[i+1:i+3], 16, 8).
            if byte == UInt8(ascii: "%"), i + 2 < bytes.count,
                let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2])
            {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
