/// A JSON value serialised byte for byte like Go's `encoding/json.Marshal` (compact form).
///
/// ### Overview
/// Cilium stores `json.Marshal` output in etcd and its readers re-encode and compare some
/// fields, so our values must match Go exactly. Mapping from Go types:
/// * struct → `.object` (fields in declaration order; `omitempty` is the caller's decision),
/// * `map[string]T` → `.map` (Go sorts keys by byte order),
/// * `[]byte` / `net.IPMask` → `.bytes` (standard base64 with padding), nil slice → `.null`,
/// * `string` → `.string` (or `.stringBytes` for byte strings that may be invalid UTF-8),
/// * integer kinds → `.int` / `.uint`, `bool` → `.bool`.
///
/// Escaping follows `encodeState.string` with HTML escaping on (the `Marshal` default):
/// `<`, `>`, `&` → `\u003c`, `\u003e`, `\u0026`; U+2028/U+2029 → `\u2028`/`\u2029`;
/// `\b \f \n \r \t` short forms (Go ≥ 1.22); other control bytes → `\u00XX` (lowercase hex);
/// each byte of invalid UTF-8 → `\ufffd`; DEL (0x7F) is written raw.
public indirect enum GoJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case string(String)
    case stringBytes([UInt8])
    case bytes([UInt8])
    case array([GoJSON])
    case object([GoJSONField])
    case map([String: GoJSON])

    /// Struct with fields in order.
    public static func fields(_ pairs: KeyValuePairs<String, GoJSON>) -> GoJSON {
        .object(pairs.map { GoJSONField($0.key, $0.value) })
    }

    /// `map[string]string`; `nil` map → `null`.
    public static func stringMap(_ map: [String: String]?) -> GoJSON {
        guard let map else { return .null }
        return .map(map.mapValues { .string($0) })
    }

    /// Compact serialisation.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Compact serialisation as text.
    public var text: String { String(decoding: encoded, as: UTF8.self) }

    /// Appends the compact serialisation to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let value):
            out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            out.append(contentsOf: String(value).utf8)
        case .uint(let value):
            out.append(contentsOf: String(value).utf8)
        case .string(let value):
            GoJSON.appendString(value.utf8, into: &out)
        case .stringBytes(let value):
            GoJSON.appendString(value, into: &out)
        case .bytes(let value):
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: GoBase64.encode(value).utf8)
            out.append(UInt8(ascii: "\""))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                element.encode(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, field) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSON.appendString(field.name.utf8, into: &out)
                out.append(UInt8(ascii: ":"))
                field.value.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .map(let entries):
            out.append(UInt8(ascii: "{"))
            let keys = entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSON.appendString(key.utf8, into: &out)
                out.append(UInt8(ascii: ":"))
                entries[key]?.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// One struct field of a `GoJSON.object`.
public struct GoJSONField: Sendable, Equatable {
    public var name: String
    public var value: GoJSON

    public init(_ name: String, _ value: GoJSON) {
        self.name = name
        self.value = value
    }
}
