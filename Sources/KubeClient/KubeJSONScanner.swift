/// A structural JSON scanner for the few fields the list/watch loop needs (`metadata`,
/// `items`, `type`, `object`, `code`): it finds the byte ranges of object members and array
/// elements without building values, so list items can be handed on as their original bytes.
///
/// Skipping is iterative (no recursion), so nesting depth costs nothing; structure inside a
/// skipped value is only checked for balanced brackets and terminated strings — the full
/// decoder downstream validates the items themselves. Pure: bytes in, ranges out.
public enum KubeJSONScanner {
    /// Members of the object spanning `range` (key, value range), in document order.
    public static func members(_ bytes: [UInt8], _ range: Range<Int>) throws(KubeJSONError) -> [(key: String, value: Range<Int>)] {
        try bytes.withUnsafeBufferPointer { (b) throws(KubeJSONError) in
            var i = range.lowerBound
            let end = range.upperBound
            skipSpace(b, &i, end)
            guard i < end, b[i] == UInt8(ascii: "{") else { throw .expected("object", offset: i) }
            i += 1
            var out: [(key: String, value: Range<Int>)] = []
            skipSpace(b, &i, end)
            if i < end, b[i] == UInt8(ascii: "}") { return out }
            while true {
                skipSpace(b, &i, end)
                guard i < end, b[i] == UInt8(ascii: "\"") else { throw .expected("member name", offset: i) }
                let keyStart = i
                try skipString(b, &i, end)
                let key = try decodeString(b, keyStart..<i)
                skipSpace(b, &i, end)
                guard i < end, b[i] == UInt8(ascii: ":") else { throw .expected(":", offset: i) }
                i += 1
                skipSpace(b, &i, end)
                let valueStart = i
                try skipValue(b, &i, end)
                out.append((key, valueStart..<i))
                skipSpace(b, &i, end)
                guard i < end else { throw .truncated }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { return out }
                throw .expected(", or }", offset: i)
            }
        }
    }

    /// The value range of member `key` of the object spanning `range`, or nil.
    public static func member(_ key: String, _ bytes: [UInt8], _ range: Range<Int>) throws(KubeJSONError) -> Range<Int>? {
        try members(bytes, range).first { $0.key == key }?.value
    }

    /// Element ranges of the array spanning `range`.
    public static func elements(_ bytes: [UInt8], _ range: Range<Int>) throws(KubeJSONError) -> [Range<Int>] {
        try bytes.withUnsafeBufferPointer { (b) throws(KubeJSONError) in
            var i = range.lowerBound
            let end = range.upperBound
            skipSpace(b, &i, end)
            guard i < end, b[i] == UInt8(ascii: "[") else { throw .expected("array", offset: i) }
            i += 1
            var out: [Range<Int>] = []
            skipSpace(b, &i, end)
            if i < end, b[i] == UInt8(ascii: "]") { return out }
            while true {
                skipSpace(b, &i, end)
                let start = i
                try skipValue(b, &i, end)
                out.append(start..<i)
                skipSpace(b, &i, end)
                guard i < end else { throw .truncated }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { return out }
                throw .expected(", or ]", offset: i)
            }
        }
    }

    /// The range of the whole document's single value (leading/trailing space trimmed).
    public static func value(_ bytes: [UInt8]) throws(KubeJSONError) -> Range<Int> {
        try bytes.withUnsafeBufferPointer { (b) throws(KubeJSONError) in
            var i = 0
            skipSpace(b, &i, b.count)
            let start = i
            try skipValue(b, &i, b.count)
            return start..<i
        }
    }

    /// The string value spanning `range` (with quotes), unescaped; nil if it is not a string.
    public static func string(_ bytes: [UInt8], _ range: Range<Int>) throws(KubeJSONError) -> String? {
        guard !range.isEmpty, bytes[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        return try bytes.withUnsafeBufferPointer { (b) throws(KubeJSONError) in try decodeString(b, range) }
    }

    /// The integer value spanning `range`, or nil.
    public static func int(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        guard range.count <= 20 else { return nil }
        return Int(String(decoding: bytes[range], as: UTF8.self))
    }

    // MARK: - Internals

    @inline(__always)
    static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) {
        while i < end {
            switch b[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    /// `i` at the opening quote; leaves `i` after the closing quote.
    static func skipString(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) throws(KubeJSONError) {
        i += 1
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return }
            i += c == UInt8(ascii: "\\") ? 2 : 1
        }
        throw .truncated
    }

    /// Skips one value of any type; nested containers are skipped by bracket counting.
    static func skipValue(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) throws(KubeJSONError) {
        guard i < end else { throw .truncated }
        switch b[i] {
        case UInt8(ascii: "\""):
            try skipString(b, &i, end)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while i < end {
                let c = b[i]
                switch c {
                case UInt8(ascii: "\""):
                    try skipString(b, &i, end)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { i += 1; return }
                default:
                    break
                }
                i += 1
            }
            throw .truncated
        default:
            // number, true, false, null
            let start = i
            while i < end {
                switch b[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    guard i > start else { throw .expected("value", offset: i) }
                    return
                default:
                    i += 1
                }
            }
            guard i > start else { throw .truncated }
        }
    }

    /// Unescapes the string spanning `range` (quotes included), RFC 8259 §7.
    static func decodeString(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(KubeJSONError) -> String {
        let body = (range.lowerBound + 1)..<(range.upperBound - 1)
        guard !b[body].contains(UInt8(ascii: "\\")) else { return try unescape(b, body) }
        return String(decoding: UnsafeBufferPointer(rebasing: b[body]), as: UTF8.self)
    }

    private static func unescape(_ b: UnsafeBufferPointer<UInt8>, _ body: Range<Int>) throws(KubeJSONError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.lowerBound
        while i < body.upperBound {
            let c = b[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            guard i + 1 < body.upperBound else { throw .invalidEscape(offset: i) }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(b, i, body.upperBound) else { throw .invalidEscape(offset: i - 2) }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= body.upperBound, b[i] == UInt8(ascii: "\\"),
                   b[i + 1] == UInt8(ascii: "u"), let low = hex4(b, i + 2, body.upperBound), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: String(s).utf8)
            default:
                throw .invalidEscape(offset: i - 2)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = b[k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }
}

/// Why a list page or watch line could not be scanned.
public enum KubeJSONError: Error, Equatable, Sendable {
    case truncated
    case expected(String, offset: Int)
    case invalidEscape(offset: Int)
}
