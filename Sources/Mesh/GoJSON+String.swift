extension GoJSON {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Go `encodeState.string(s, escapeHTML: true)`.
    static func appendString<Bytes: Collection>(_ s: Bytes, into out: inout [UInt8]) where Bytes.Element == UInt8 {
        let bytes = Array(s)
        out.append(UInt8(ascii: "\""))
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(b)
                case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x00..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                default:
                    out.append(b)
                }
                i += 1
                continue
            }
            let size = validUTF8SequenceLength(bytes, at: i)
            if size == 0 {
                out.append(contentsOf: "\\ufffd".utf8)
                i += 1
                continue
            }
            // U+2028 = E2 80 A8, U+2029 = E2 80 A9.
            if size == 3 && b == 0xE2 && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9) {
                out.append(contentsOf: (bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
            } else {
                out.append(contentsOf: bytes[i..<(i + size)])
            }
            i += size
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Length of the valid UTF-8 sequence starting at `i` (first byte ≥ 0x80), or 0 when
    /// invalid — Go `utf8.DecodeRune` returning `(RuneError, 1)`.
    private static func validUTF8SequenceLength(_ bytes: [UInt8], at i: Int) -> Int {
        let b0 = bytes[i]
        let size: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: size = 2
        case 0xE0: size = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: size = 3
        case 0xED: size = 3; high = 0x9F
        case 0xF0: size = 4; low = 0x90
        case 0xF1...0xF3: size = 4
        case 0xF4: size = 4; high = 0x8F
        default: return 0
        }
        guard i + size <= bytes.count else { return 0 }
        let b1 = bytes[i + 1]
        guard b1 >= low && b1 <= high else { return 0 }
        for k in 2..<max(2, size) where !(0x80...0xBF).contains(bytes[i + k]) {
            return 0
        }
        return size
    }
}

/// RFC 4648 §4 base64 with padding (Go `base64.StdEncoding`, used for `[]byte`).
enum GoBase64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let rest = min(3, bytes.count - i)
            let n = UInt32(bytes[i]) << 16 | (rest > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (rest > 2 ? UInt32(bytes[i + 2]) : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(rest > 1 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(rest > 2 ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
