/// A JSON syntax checker shaped like Go's `encoding/json` scanner: validates one value,
/// reports errors with Go's wording, and checks that `bytes` fields hold standard padded
/// base64 (SwiftProtobuf also accepts URL-safe and unpadded forms; Go does not).
struct GatewayJSONSyntax {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int
    private var depth = 0
    static let maxDepth = 100

    /// Request fields of type `bytes` in the messages the gateway decodes (key/range_end/value
    /// in Range, Put, DeleteRange, Compare, WatchCreateRequest); no string field shares these names.
    static let bytesFieldNames: Set<String> = ["key", "range_end", "rangeEnd", "value"]

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.index = range.lowerBound
        self.end = range.upperBound
    }

    /// What the top-level value is.
    enum TopLevel: Equatable {
        case object, null, other(String)
    }

    /// Validates exactly one value spanning the range (surrounding whitespace allowed).
    static func check(_ bytes: [UInt8], range: Range<Int>) throws(GatewayDecodeError) -> TopLevel {
        var s = GatewayJSONSyntax(bytes, range: range)
        s.skipWhitespace()
        let top: TopLevel
        switch s.peek() {
        case 0x7B: top = .object
        case 0x6E: top = .null
        case 0x22: top = .other("string")
        case 0x5B: top = .other("array")
        case 0x74, 0x66: top = .other("bool")
        default: top = .other("number")
        }
        try s.value(fieldName: nil)
        s.skipWhitespace()
        if let b = s.peek() { throw .syntax("invalid character \(quoted(b)) after top-level value") }
        return top
    }

    private func peek() -> UInt8? { index < end ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    private mutating func value(fieldName: String?) throws(GatewayDecodeError) {
        skipWhitespace()
        guard let b = peek() else { throw .syntax("unexpected end of JSON input") }
        switch b {
        case 0x7B: try object()
        case 0x5B: try array(fieldName: fieldName)
        case 0x22:
            let s = try string()
            if let name = fieldName, Self.bytesFieldNames.contains(name) { try Self.checkBase64(s) }
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        case 0x2D, 0x30...0x39: try number()
        default: throw .syntax("invalid character \(Self.quoted(b)) looking for beginning of value")
        }
    }

    private mutating func object() throws(GatewayDecodeError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw .syntax("exceeded max depth") }
        index += 1
        skipWhitespace()
        if peek() == 0x7D {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard let b = peek() else { throw .syntax("unexpected end of JSON input") }
            guard b == 0x22 else { throw .syntax("invalid character \(Self.quoted(b)) looking for beginning of object key string") }
            let key = try string()
            skipWhitespace()
            guard let c = peek() else { throw .syntax("unexpected end of JSON input") }
            guard c == 0x3A else { throw .syntax("invalid character \(Self.quoted(c)) after object key") }
            index += 1
            try value(fieldName: String(decoding: key, as: UTF8.self))
            skipWhitespace()
            guard let d = peek() else { throw .syntax("unexpected end of JSON input") }
            index += 1
            if d == 0x7D { break }
            guard d == 0x2C else { throw .syntax("invalid character \(Self.quoted(d)) after object key:value pair") }
        }
        depth -= 1
    }

    private mutating func array(fieldName: String?) throws(GatewayDecodeError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw .syntax("exceeded max depth") }
        index += 1
        skipWhitespace()
        if peek() == 0x5D {
            index += 1
            depth -= 1
            return
        }
        while true {
            try value(fieldName: fieldName)
            skipWhitespace()
            guard let d = peek() else { throw .syntax("unexpected end of JSON input") }
            index += 1
            if d == 0x5D { break }
            guard d == 0x2C else { throw .syntax("invalid character \(Self.quoted(d)) after array element") }
        }
        depth -= 1
    }

    /// Returns the decoded string (escapes resolved) as UTF-8 bytes.
    private mutating func string() throws(GatewayDecodeError) -> [UInt8] {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw .syntax("unexpected end of JSON input") }
            index += 1
            switch b {
            case 0x22:
                return out
            case 0x5C:
                guard let e = peek() else { throw .syntax("unexpected end of JSON input") }
                index += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var v: UInt32 = 0
                    for _ in 0..<4 {
                        guard let h = peek() else { throw .syntax("unexpected end of JSON input") }
                        guard let d = Self.hex(h) else { throw .syntax("invalid character \(Self.quoted(h)) in \\u hexadecimal character escape") }
                        v = v << 4 | d
                        index += 1
                    }
                    // Only ASCII matters for the base64 check; others become a non-base64 byte.
                    out.append(v < 0x80 ? UInt8(v) : 0xFF)
                default:
                    throw .syntax("invalid character \(Self.quoted(e)) in string escape code")
                }
            case 0x00...0x1F:
                throw .syntax("invalid character \(Self.quoted(b)) in string literal")
            default:
                out.append(b)
            }
        }
    }

    private mutating func literal(_ word: String) throws(GatewayDecodeError) {
        for expected in word.utf8 {
            guard let b = peek() else { throw .syntax("unexpected end of JSON input") }
            guard b == expected else { throw .syntax("invalid character \(Self.quoted(b)) in literal \(word) (expecting \(Self.quoted(expected)))") }
            index += 1
        }
    }

    private mutating func number() throws(GatewayDecodeError) {
        if peek() == 0x2D { index += 1 }
        guard let first = peek() else { throw .syntax("unexpected end of JSON input") }
        guard Self.isDigit(first) else { throw .syntax("invalid character \(Self.quoted(first)) in numeric literal") }
        index += 1
        if first != 0x30 { while let d = peek(), Self.isDigit(d) { index += 1 } }
        if peek() == 0x2E {
            index += 1
            guard let d = peek(), Self.isDigit(d) else { throw .syntax("invalid character after decimal point in numeric literal") }
            while let d = peek(), Self.isDigit(d) { index += 1 }
        }
        if peek() == 0x65 || peek() == 0x45 {
            index += 1
            if peek() == 0x2B || peek() == 0x2D { index += 1 }
            guard let d = peek(), Self.isDigit(d) else { throw .syntax("invalid character in exponent of numeric literal") }
            while let d = peek(), Self.isDigit(d) { index += 1 }
        }
    }

    /// Go `base64.StdEncoding.Decode` (as used by encoding/json for []byte): standard alphabet,
    /// padding required, CR/LF ignored.
    static func checkBase64(_ s: [UInt8]) throws(GatewayDecodeError) {
        // Offsets of the significant characters (CR and LF are skipped, as Go does).
        let symbols = s.indices.filter { s[$0] != 0x0A && s[$0] != 0x0D }
        var k = 0
        while k < symbols.count {
            let quantumStart = k
            for j in 0..<4 {
                guard k < symbols.count else { throw .base64(offset: symbols[quantumStart]) }
                let i = symbols[k]
                k += 1
                if s[i] == 0x3D {
                    // '=' is only valid in the last two positions of the final quantum.
                    guard j >= 2 else { throw .base64(offset: i) }
                    if j == 2 {
                        guard k < symbols.count, s[symbols[k]] == 0x3D else { throw .base64(offset: i) }
                        k += 1
                    }
                    if k < symbols.count { throw .base64(offset: symbols[k]) }
                    return
                }
                guard isBase64Symbol(s[i]) else { throw .base64(offset: i) }
            }
        }
    }

    private static func isBase64Symbol(_ b: UInt8) -> Bool {
        switch b {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2B, 0x2F: true
        default: false
        }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private static func hex(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: nil
        }
    }

    /// Go's `quoteChar`.
    static func quoted(_ b: UInt8) -> String {
        if b == 0x27 { return "'\\''" }
        if b == 0x22 { return "'\"'" }
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16)
        return "'\\x\(hex.count < 2 ? "0" + hex : hex)'"
    }
}
