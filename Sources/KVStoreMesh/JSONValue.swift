/// A parsed JSON document, kept close to the text so that validators can apply Go's
/// `encoding/json` rules: numbers stay as their literal (an integer field rejects `1.0` and
/// `1e3`, as Go does), object members stay in order with duplicates (Go assigns each in turn).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number literal exactly as written.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// Go's name for the JSON type in `UnmarshalTypeError` ("cannot unmarshal <kind> into ...").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

public struct JSONMember: Sendable, Equatable {
    public var name: String
    public var value: JSONValue

    public init(_ name: String, _ value: JSONValue) {
        self.name = name
        self.value = value
    }
}

extension JSONValue {
    /// The member Go's decoder would assign to a struct field named `field`: the last member
    /// whose name equals it, else the last whose name matches it ignoring ASCII case (Go prefers
    /// an exact match and otherwise folds case). nil when absent or when this is not an object.
    public func member(_ field: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        var folded: JSONValue?
        var exact: JSONValue?
        for m in members {
            if m.name == field {
                exact = m.value
            } else if m.name.count == field.count, Self.asciiFoldedEqual(m.name, field) {
                folded = m.value
            }
        }
        return exact ?? folded
    }

    static func asciiFoldedEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        for i in x.indices {
            var p = x[i], q = y[i]
            if p >= 0x41 && p <= 0x5A { p += 0x20 }
            if q >= 0x41 && q <= 0x5A { q += 0x20 }
            if p != q { return false }
        }
        return true
    }
}
