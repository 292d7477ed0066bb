import Mesh

/// The Go type a JSON value is decoded into, for checking what `encoding/json.Unmarshal` would
/// accept (reference: Go `encoding/json` decode rules). `null` is accepted everywhere (Go leaves
/// the zero value); a type mismatch, an out-of-range or non-integral number for an integer
/// field, an unparsable `net.IP` / `netip.Addr`, bad base64 for `[]byte` and a bad RFC 3339 time
/// for `metav1.Time` are errors. Unknown object members are ignored; members match struct fields
/// exactly or, failing that, ignoring ASCII case.
public indirect enum GoShape: Sendable {
    case string
    case bool
    case int(bits: Int)
    case uint(bits: Int)
    /// `net.IP` / `netip.Addr` text; empty means unset.
    case ip
    /// `[]byte` / `net.IPMask`: standard padded base64.
    case bytes
    /// `metav1.Time`: RFC 3339 text.
    case time
    case slice(GoShape)
    /// `map[string]T`
    case map(GoShape)
    /// Fields by JSON name.
    case structure([String: GoShape])
    /// `interface{}`.
    case any

    /// Throws a Go-like message when `value` cannot be decoded into this type.
    public func check(_ value: JSONValue, path: String = "") throws(GoShapeError) {
        if case .null = value { return }
        switch self {
        case .any:
            return
        case .string:
            guard case .string = value else { throw mismatch(value, "string", path) }
        case .bool:
            guard case .bool = value else { throw mismatch(value, "bool", path) }
        case .int(let bits):
            guard case .number(let text) = value else { throw mismatch(value, "int\(bits)", path) }
            guard let v = Int64(text), bits >= 64 || (v >= -(Int64(1) << (bits - 1)) && v < (Int64(1) << (bits - 1))) else {
                throw GoShapeError("json: cannot unmarshal number \(text) into \(Self.field(path)) of type int\(bits)")
            }
        case .uint(let bits):
            guard case .number(let text) = value else { throw mismatch(value, "uint\(bits)", path) }
            guard let v = UInt64(text), bits >= 64 || v < (UInt64(1) << bits) else {
                throw GoShapeError("json: cannot unmarshal number \(text) into \(Self.field(path)) of type uint\(bits)")
            }
        case .ip:
            guard case .string(let text) = value else { throw mismatch(value, "net.IP", path) }
            if !text.isEmpty && GoIP(text) == nil { throw GoShapeError("invalid IP address: \(text) (\(Self.field(path)))") }
        case .bytes:
            guard case .string(let text) = value else { throw mismatch(value, "[]uint8", path) }
            guard Self.decodeBase64(text) != nil else { throw GoShapeError("illegal base64 data in \(Self.field(path))") }
        case .time:
            guard case .string(let text) = value else { throw mismatch(value, "v1.Time", path) }
            guard GoTime.parseRFC3339(text) != nil else {
                throw GoShapeError("parsing time \"\(text)\" as RFC 3339 (\(Self.field(path)))")
            }
        case .slice(let element):
            guard case .array(let items) = value else { throw mismatch(value, "slice", path) }
            for item in items { try element.check(item, path: path + "[]") }
        case .map(let element):
            guard case .object(let members) = value else { throw mismatch(value, "map", path) }
            for m in members { try element.check(m.value, path: path + "[\(m.name)]") }
        case .structure(let fields):
            guard case .object(let members) = value else { throw mismatch(value, "struct", path) }
            for m in members {
                guard let shape = fields[m.name] ?? fields.first(where: { JSONValue.asciiFoldedEqual($0.key, m.name) })?.value
                else { continue }
                try shape.check(m.value, path: path.isEmpty ? m.name : path + "." + m.name)
            }
        }
    }

    private func mismatch(_ value: JSONValue, _ type: String, _ path: String) -> GoShapeError {
        GoShapeError("json: cannot unmarshal \(value.kindName) into \(Self.field(path)) of type \(type)")
    }

    private static func field(_ path: String) -> String { path.isEmpty ? "Go value" : "Go struct field \(path)" }

    /// Go `base64.StdEncoding.DecodeString` (not strict: CR and LF are skipped and trailing bits are
    /// not checked, as in Go); nil if invalid.
    public static func decodeBase64(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for c in text.utf8 {
            if c == 0x0A || c == 0x0D { continue }
            if c == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0 else { return nil }
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 97 + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c - 48 + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            default: return nil
            }
        }
        guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
        let rem = values.count % 4
        guard rem != 1, (rem == 0 && padding == 0) || (rem == 2 && padding == 2) || (rem == 3 && padding == 1) else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i + 4 <= values.count {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6 | UInt32(values[i + 3])
            out += [UInt8(n >> 16), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            i += 4
        }
        if rem == 2 {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12
            out.append(UInt8(n >> 16))
        } else if rem == 3 {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6
            out += [UInt8(n >> 16), UInt8(n >> 8 & 0xFF)]
        }
        return out
    }
}

public struct GoShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
