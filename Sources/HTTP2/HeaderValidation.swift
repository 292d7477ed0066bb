import HPACK

/// Request and trailer field checks of RFC 9113 §8.2 and §8.3 (malformed messages are
/// stream errors of type PROTOCOL_ERROR, §8.1.1).
enum HeaderValidation {
    enum Result: Equatable {
        /// Valid; carries the parsed content-length if present.
        case valid(contentLength: Int?)
        case malformed(String)
    }

    /// §8.2.2: connection-specific fields MUST NOT appear.
    static let connectionSpecific: Set<String> = [
        "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade",
    ]

    static func validateRequest(_ fields: [HeaderField]) -> Result {
        var method: String?
        var scheme = false
        var path = false
        var authority = false
        var seenRegular = false
        var contentLength: Int?
        for field in fields {
            if field.name.utf8.first == UInt8(ascii: ":") {
                // §8.3: pseudo-headers only before regular fields, each at most once,
                // only the defined request ones.
                guard !seenRegular else { return .malformed("pseudo-header \(field.name) after regular field") }
                switch field.name {
                case ":method":
                    guard method == nil else { return .malformed("duplicate :method") }
                    method = field.value
                case ":scheme":
                    guard !scheme else { return .malformed("duplicate :scheme") }
                    scheme = true
                case ":path":
                    guard !path else { return .malformed("duplicate :path") }
                    guard !field.value.isEmpty else { return .malformed("empty :path") }
                    path = true
                case ":authority":
                    guard !authority else { return .malformed("duplicate :authority") }
                    authority = true
                default:
                    return .malformed("invalid pseudo-header \(field.name)")
                }
                if let reason = invalidValue(field) { return .malformed(reason) }
                continue
            }
            seenRegular = true
            if let reason = invalidRegularField(field) { return .malformed(reason) }
            if field.name == "content-length" {
                guard let length = parseContentLength(field.value), contentLength == nil || contentLength == length else {
                    return .malformed("invalid content-length")
                }
                contentLength = length
            }
        }
        guard let method else { return .malformed("missing :method") }
        if method == "CONNECT" {
            // §8.5: CONNECT carries :authority only.
            guard authority, !scheme, !path else { return .malformed("malformed CONNECT request") }
        } else {
            // §8.3.1: :method, :scheme and :path are required.
            guard scheme else { return .malformed("missing :scheme") }
            guard path else { return .malformed("missing :path") }
        }
        return .valid(contentLength: contentLength)
    }

    /// Returns a reason when the trailer section is malformed.
    static func validateTrailers(_ fields: [HeaderField]) -> String? {
        for field in fields {
            // §8.1: trailers MUST NOT include pseudo-header fields.
            if field.name.utf8.first == UInt8(ascii: ":") { return "pseudo-header \(field.name) in trailers" }
            if let reason = invalidRegularField(field) { return reason }
        }
        return nil
    }

    static func invalidRegularField(_ field: HeaderField) -> String? {
        // §8.2.1: names MUST NOT contain 0x00-0x20, uppercase 0x41-0x5A, 0x7F-0xFF or a colon.
        guard !field.name.isEmpty else { return "empty field name" }
        for byte in field.name.utf8 {
            if byte <= 0x20 || (byte >= 0x41 && byte <= 0x5A) || byte >= 0x7F || byte == UInt8(ascii: ":") {
                return "invalid field name \(field.name)"
            }
        }
        if connectionSpecific.contains(field.name) { return "connection-specific field \(field.name)" }
        // §8.2.2: TE may only carry "trailers".
        if field.name == "te", field.value != "trailers" { return "te other than trailers" }
        return invalidValue(field)
    }

    /// §8.2.1: values MUST NOT contain NUL, LF or CR.
    static func invalidValue(_ field: HeaderField) -> String? {
        for byte in field.value.utf8 where byte == 0 || byte == 0x0A || byte == 0x0D {
            return "invalid value for \(field.name)"
        }
        return nil
    }

    static func parseContentLength(_ value: String) -> Int? {
        guard !value.isEmpty, value.utf8.count <= 18 else { return nil }
        var result = 0
        for byte in value.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }
}
