import Yams

/// Writes a composed YAML node tree as JSON bytes, resolving untagged plain scalars with the
/// YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution): `null`/`~`/empty →
/// null, `true`/`false` (three casings) → bool, decimal/`0x`/`0o` integers and decimal floats →
/// numbers, everything else a string. Quoted, literal and folded scalars are always strings;
/// explicit `!!str`/`!!int`/`!!float`/`!!bool`/`!!null` tags are honoured.
///
/// Values of string-to-string maps (`labels`, `annotations`, `security-labels`, `selector`, ...)
/// stay strings whatever they look like (a hand-written `version: 1.0` label is `"1.0"`), and
/// null there becomes `""` (Go decodes null into a string as the zero value).
///
/// Output is bounded by `maxBytes` (aliases can expand a small input a lot) and nesting by
/// `maxDepth`.
struct YAMLJSONWriter {
    static let stringValuedMaps: Set<String> = [
        "labels", "annotations", "security-labels", "selector", "matchLabels", "nodeSelector",
        "exportedLabels", "exportedAnnotations",
    ]

    let maxBytes: Int
    let maxDepth: Int
    let document: Int
    private(set) var output: [UInt8] = []

    init(maxBytes: Int, maxDepth: Int = 128, document: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.document = document
    }

    mutating func write(_ node: Node) throws(KubeManifestError) {
        try write(node, depth: 0, stringsOnly: false)
    }

    /// `stringsOnly`: `node` is a scalar value of a string map, or a string map itself.
    private mutating func write(_ node: Node, depth: Int, stringsOnly: Bool) throws(KubeManifestError) {
        guard depth < maxDepth else { throw .tooDeep(limit: maxDepth) }
        switch node {
        case .scalar(let scalar):
            try writeScalar(scalar, stringsOnly: stringsOnly)
        case .alias(let alias):
            // Yams resolves aliases while composing; an unresolved one is written as null.
            _ = alias
            output += Self.null
        case .sequence(let sequence):
            output.append(UInt8(ascii: "["))
            var first = true
            for item in sequence {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                try write(item, depth: depth + 1, stringsOnly: false)
            }
            output.append(UInt8(ascii: "]"))
        case .mapping(let mapping):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw .nonScalarKey(document: document) }
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(keyScalar.string)
                output.append(UInt8(ascii: ":"))
                switch value {
                case .scalar:
                    // Inside a string map (`stringsOnly`), values are strings.
                    try write(value, depth: depth + 1, stringsOnly: stringsOnly)
                case .mapping:
                    try write(value, depth: depth + 1, stringsOnly: Self.stringValuedMaps.contains(keyScalar.string))
                default:
                    try write(value, depth: depth + 1, stringsOnly: false)
                }
            }
            output.append(UInt8(ascii: "}"))
        }
        guard output.count <= maxBytes else { throw .tooLarge(size: output.count, limit: maxBytes) }
    }

    private static let null = Array("null".utf8)
    private static let strTag = "tag:yaml.org,2002:str"
    private static let intTag = "tag:yaml.org,2002:int"
    private static let floatTag = "tag:yaml.org,2002:float"
    private static let boolTag = "tag:yaml.org,2002:bool"
    private static let nullTag = "tag:yaml.org,2002:null"

    private mutating func writeScalar(_ scalar: Node.Scalar, stringsOnly: Bool) throws(KubeManifestError) {
        let text = scalar.string
        let tag = scalar.tag.rawValue
        // Quoted scalars carry the `str` tag from the parser; untagged plain ones have none.
        let plain = tag.isEmpty || tag == "!"
        if stringsOnly {
            if plain && scalar.style != .literal && scalar.style != .folded && Self.isNull(text) {
                writeString("")
            } else {
                writeString(text)
            }
            return
        }
        if plain && scalar.style != .literal && scalar.style != .folded {
            if Self.isNull(text) { return output += Self.null }
            if let bool = Self.bool(text) { return output += Array((bool ? "true" : "false").utf8) }
            if let number = Self.number(text) { return output += Array(number.utf8) }
            return writeString(text)
        }
        switch tag {
        case Self.intTag, Self.floatTag:
            if let number = Self.number(text) { return output += Array(number.utf8) }
        case Self.boolTag:
            if let bool = Self.bool(text) { return output += Array((bool ? "true" : "false").utf8) }
        case Self.nullTag:
            return output += Self.null
        default:
            break
        }
        writeString(text)
    }

    private mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    // MARK: - Core schema

    static func isNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// JSON number text for a core-schema int or float, nil when `text` is neither (or is
    /// `.inf`/`.nan`, which JSON cannot carry: those stay strings).
    static func number(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { return nil }
        var sign = ""
        var body = bytes[...]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            if first == UInt8(ascii: "-") { sign = "-" }
            body = bytes.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        if body.count > 2, body.first == UInt8(ascii: "0") {
            let marker = body[body.startIndex + 1]
            let digits = String(decoding: body.dropFirst(2), as: UTF8.self)
            if marker == UInt8(ascii: "x"), let value = UInt64(digits, radix: 16) { return sign + String(value) }
            if marker == UInt8(ascii: "o"), let value = UInt64(digits, radix: 8) { return sign + String(value) }
        }
        if body.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Leading zeros are not JSON; canonicalise through the integer when it fits.
            let digits = String(decoding: body, as: UTF8.self)
            if let value = UInt64(digits) { return sign + String(value) }
            return sign + digits.drop(while: { $0 == "0" })
        }
        guard isDecimalFloat(body), let value = Double(text), value.isFinite else { return nil }
        return "\(value)"
    }

    /// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isDecimalFloat(_ body: ArraySlice<UInt8>) -> Bool {
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        var i = body.startIndex
        var mantissaDigits = 0
        while i < body.endIndex, isDigit(body[i]) { i += 1; mantissaDigits += 1 }
        if i < body.endIndex, body[i] == UInt8(ascii: ".") {
            i += 1
            while i < body.endIndex, isDigit(body[i]) { i += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return false }
        if i < body.endIndex, body[i] == UInt8(ascii: "e") || body[i] == UInt8(ascii: "E") {
            i += 1
            if i < body.endIndex, body[i] == UInt8(ascii: "-") || body[i] == UInt8(ascii: "+") { i += 1 }
            var exponentDigits = 0
            while i < body.endIndex, isDigit(body[i]) { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return i == body.endIndex
    }
}
