import GRPCWire
import SwiftProtobuf

/// JSON ↔ protobuf for the gateway, matching grpc-gateway v1's `JSONPb{OrigName: true}`
/// (golang/protobuf jsonpb): proto field names, zero values omitted, 64-bit integers as
/// strings, bytes as padded standard base64, enums by name, fields in field-number order,
/// strings escaped like Go's `encoding/json` (HTML characters and U+2028/2029 as `\u` escapes).
public enum GatewayJSON {
    static let encodingOptions: JSONEncodingOptions = {
        var o = JSONEncodingOptions()
        o.preserveProtoFieldNames = true
        o.alwaysPrintEnumsAsInts = false
        return o
    }()

    static let decodingOptions: JSONDecodingOptions = {
        var o = JSONDecodingOptions()
        o.ignoreUnknownFields = true
        return o
    }()

    /// A message as gateway JSON.
    public static func encode<M: SwiftProtobuf.Message>(_ message: M) -> [UInt8] {
        let raw: [UInt8]
        do {
            raw = try message.jsonUTF8Bytes(options: encodingOptions)
        } catch {
            // Only non-finite floats and bad Any fail; etcd messages have neither.
            return Array("{}".utf8)
        }
        return goEscaped(raw)
    }

    /// Decodes the first JSON value of `body` (later bytes are ignored, as Go's `json.Decoder`
    /// does); an empty or whitespace-only body, or `null`, is the empty message (grpc-gateway
    /// ignores `io.EOF`).
    public static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from body: [UInt8]) throws(GatewayDecodeError) -> M {
        var splitter = GatewayJSONSplitter(maxObjectBytes: Int.max)
        splitter.append(body)
        splitter.finish()
        guard let range = try splitter.nextRange() else {
            if splitter.hasPartialValue { throw .syntax("unexpected EOF") }
            return M()
        }
        return try decode(type, bytes: splitter.buffer, range: range)
    }

    /// Decodes the value at `range` of `bytes`.
    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, bytes: [UInt8], range: Range<Int>) throws(GatewayDecodeError) -> M {
        switch try GatewayJSONSyntax.check(bytes, range: range) {
        case .null: return M()
        case .other(let kind): throw .notAnObject(kind)
        case .object: break
        }
        let json = Array(bytes[range])
        // Strict first: jsonpb rejects unknown enum names even though it ignores unknown
        // fields, and SwiftProtobuf's lenient mode would drop both silently.
        do {
            return try M(jsonUTF8Bytes: json, options: strictDecodingOptions)
        } catch JSONDecodingError.unrecognizedEnumValue {
            throw .message(GatewayEnumNames.unknownValueMessage(in: json) ?? "unknown enum value")
        } catch JSONDecodingError.malformedNumber {
            if let message = GatewayEnumNames.badQuotedIntegerMessage(in: json) { throw .message(message) }
        } catch {
            // Unknown fields (or any other error): decode as jsonpb does, ignoring unknown fields.
        }
        do {
            return try M(jsonUTF8Bytes: json, options: decodingOptions)
        } catch {
            throw .message("\(error)")
        }
    }

    static let strictDecodingOptions = JSONDecodingOptions()

    /// grpc-gateway v1 `errorBody` (`{"error":m,"code":c,"message":m}`, empty fields omitted).
    static func errorBody(_ status: GRPCStatus) -> [UInt8] {
        var out: [UInt8] = [0x7B]
        var first = true
        func field(_ name: String, _ value: [UInt8]) {
            if !first { out.append(0x2C) }
            first = false
            out.append(contentsOf: "\"\(name)\":".utf8)
            out.append(contentsOf: value)
        }
        if !status.message.isEmpty { field("error", quoted(status.message)) }
        if status.code != .ok { field("code", Array(String(status.code.rawValue).utf8)) }
        if !status.message.isEmpty { field("message", quoted(status.message)) }
        out.append(0x7D)
        return out
    }

    /// `{"result":<json>}\n` (grpc-gateway v1 `ForwardResponseStream`, delimiter newline).
    static func resultChunk(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 12)
        out.append(contentsOf: "{\"result\":".utf8)
        out.append(contentsOf: json)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The final chunk after a stream failed: `{"error":{"grpc_code":N,"http_code":H,"message":"…","http_status":"…"}}\n`.
    public static func streamErrorChunk(_ status: GRPCStatus) -> [UInt8] {
        let http = GatewayResponse.httpStatus(for: status.code)
        var parts: [String] = []
        if status.code != .ok { parts.append("\"grpc_code\":\(status.code.rawValue)") }
        parts.append("\"http_code\":\(http)")
        if !status.message.isEmpty { parts.append("\"message\":" + String(decoding: quoted(status.message), as: UTF8.self)) }
        let phrase = GatewayResponse.reasonPhrase(http)
        if !phrase.isEmpty { parts.append("\"http_status\":" + String(decoding: quoted(phrase), as: UTF8.self)) }
        return Array(("{\"error\":{" + parts.joined(separator: ",") + "}}\n").utf8)
    }

    /// Go `encoding/json` string quoting (HTML-safe, Go ≥ 1.22 short escapes).
    static func quoted(_ s: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, 0x62])
            case 0x0C: out.append(contentsOf: [0x5C, 0x66])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x00...0x1F, 0x3C, 0x3E, 0x26: appendUnicodeEscape(UInt32(b), to: &out)
            default: out.append(b)
            }
        }
        out.append(0x22)
        return goEscaped(out)
    }

    /// Rewrites SwiftProtobuf's JSON to Go's escaping. `<`, `>`, `&`, U+2028 and U+2029 can only
    /// occur inside strings (names and numbers never contain them), so this is safe globally.
    /// `\u` escapes get lowercase hex and control characters Go's short forms.
    static func goEscaped(_ json: [UInt8]) -> [UInt8] {
        var needsWork = false
        for b in json where b == 0x3C || b == 0x3E || b == 0x26 || b == 0x5C || b == 0xE2 {
            needsWork = true
            break
        }
        guard needsWork else { return json }
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 16)
        var i = 0
        while i < json.count {
            let b = json[i]
            switch b {
            case 0x3C, 0x3E, 0x26:
                appendUnicodeEscape(UInt32(b), to: &out)
                i += 1
            case 0xE2 where i + 2 < json.count && json[i + 1] == 0x80 && (json[i + 2] == 0xA8 || json[i + 2] == 0xA9):
                appendUnicodeEscape(json[i + 2] == 0xA8 ? 0x2028 : 0x2029, to: &out)
                i += 3
            case 0x5C where i + 1 < json.count:
                if json[i + 1] == 0x75, i + 5 < json.count, let v = hexValue(json[(i + 2)...(i + 5)]) {
                    switch v {
                    case 0x08: out.append(contentsOf: [0x5C, 0x62])
                    case 0x0C: out.append(contentsOf: [0x5C, 0x66])
                    case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                    case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                    case 0x09: out.append(contentsOf: [0x5C, 0x74])
                    case 0x22: out.append(contentsOf: [0x5C, 0x22])
                    case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                    case 0x20...0x7F where v != 0x3C && v != 0x3E && v != 0x26: out.append(UInt8(v))
                    case 0xD800...0xDBFF:
                        // A surrogate pair: Go writes the character itself.
                        if i + 11 < json.count, json[i + 6] == 0x5C, json[i + 7] == 0x75,
                           let low = hexValue(json[(i + 8)...(i + 11)]), (0xDC00...0xDFFF).contains(low),
                           let scalar = Unicode.Scalar(0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)) {
                            out.append(contentsOf: String(Character(scalar)).utf8)
                            i += 6
                        } else {
                            out.append(contentsOf: "\u{fffd}".utf8)
                        }
                    case 0x80...0xFFFF where v != 0x2028 && v != 0x2029:
                        if let scalar = Unicode.Scalar(v) {
                            out.append(contentsOf: String(Character(scalar)).utf8)
                        } else {
                            out.append(contentsOf: "\u{fffd}".utf8)
                        }
                    default: appendUnicodeEscape(v, to: &out)
                    }
                    i += 6
                } else if json[i + 1] == 0x2F {
                    out.append(0x2F)
                    i += 2
                } else {
                    out.append(contentsOf: [b, json[i + 1]])
                    i += 2
                }
            default:
                out.append(b)
                i += 1
            }
        }
        return out
    }

    private static func appendUnicodeEscape(_ v: UInt32, to out: inout [UInt8]) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [0x5C, 0x75])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(digits[Int((v >> UInt32(shift)) & 0xF)])
        }
    }

    private static func hexValue(_ s: ArraySlice<UInt8>) -> UInt32? {
        var v: UInt32 = 0
        for b in s {
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }
}
