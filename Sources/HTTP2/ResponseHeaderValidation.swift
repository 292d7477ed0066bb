import HPACK

/// Response checks of RFC 9113 §8.3.2 (the client side of `HeaderValidation`): a malformed
/// response is a stream error of type PROTOCOL_ERROR (§8.1.1).
enum ResponseHeaderValidation {
    /// The response's status code, or a reason when the block is malformed.
    enum Result: Equatable {
        case valid(status: Int)
        case malformed(String)
    }

    static func validateResponse(_ fields: [HeaderField]) -> Result {
        var status: Int?
        var seenRegular = false
        for field in fields {
            if field.name.utf8.first == UInt8(ascii: ":") {
                // §8.3: pseudo-headers precede regular fields; a response has only :status,
                // exactly once (§8.3.2).
                guard !seenRegular else { return .malformed("pseudo-header \(field.name) after regular field") }
                guard field.name == ":status" else { return .malformed("invalid pseudo-header \(field.name) in response") }
                guard status == nil else { return .malformed("duplicate :status") }
                guard let code = parseStatus(field.value) else { return .malformed("invalid :status \(field.value)") }
                status = code
                continue
            }
            seenRegular = true
            if let reason = HeaderValidation.invalidRegularField(field) { return .malformed(reason) }
        }
        guard let status else { return .malformed("missing :status") }
        return .valid(status: status)
    }

    /// §8.3.2: `:status` is the three-digit status code.
    static func parseStatus(_ value: String) -> Int? {
        let bytes = Array(value.utf8)
        guard bytes.count == 3, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
