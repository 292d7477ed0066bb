/// Serializes HTTP/1.1 heads and chunked body pieces (RFC 9112 §3, §4, §7.1).
///
/// Header names and values are written as given except that CR, LF and NUL are replaced by a
/// space, so a value can never start a new field or end the head (response splitting).
/// Existing `Content-Length` / `Transfer-Encoding` fields are dropped when `framing` is not `.none`.
public enum HTTP1Encoder {
    public static func encode(_ head: HTTPResponseHead, framing: HTTPBodyFraming) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + head.headers.count * 40)
        out.append(contentsOf: head.version.description.utf8)
        out.append(0x20)
        let status = min(max(head.status, 100), 999)
        out.append(contentsOf: String(status).utf8)
        out.append(0x20)
        appendSanitized(head.reason, to: &out)
        out.append(contentsOf: [0x0D, 0x0A])
        appendFields(head.headers, framing: framing, to: &out)
        return out
    }

    public static func encode(_ head: HTTPRequestHead, framing: HTTPBodyFraming) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + head.headers.count * 40)
        appendSanitized(head.method, to: &out, spaceToo: true)
        out.append(0x20)
        appendSanitized(head.target, to: &out, spaceToo: true)
        out.append(0x20)
        out.append(contentsOf: head.version.description.utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        appendFields(head.headers, framing: framing, to: &out)
        return out
    }

    /// One chunk (RFC 9112 §7.1): hex size CRLF data CRLF. Empty input gives no bytes, since a
    /// zero-size chunk would end the body.
    public static func chunk<C: Collection>(_ data: C) -> [UInt8] where C.Element == UInt8 {
        guard !data.isEmpty else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 12)
        out.append(contentsOf: String(data.count, radix: 16).utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        out.append(contentsOf: data)
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// The last chunk with no trailers: `0\r\n\r\n`.
    public static func lastChunk() -> [UInt8] {
        [0x30, 0x0D, 0x0A, 0x0D, 0x0A]
    }

    private static func appendFields(_ headers: HTTPHeaders, framing: HTTPBodyFraming, to out: inout [UInt8]) {
        for (name, value) in headers {
            if framing != .none,
               HTTPHeaders.equalsIgnoringCase(name, "content-length")
                || HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding") {
                continue
            }
            appendSanitized(name, to: &out, spaceToo: true, colonToo: true)
            out.append(contentsOf: [0x3A, 0x20])
            appendSanitized(value, to: &out)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        switch framing {
        case .contentLength(let n):
            out.append(contentsOf: "Content-Length: \(max(n, 0))\r\n".utf8)
        case .chunked:
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .none:
            break
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    private static func appendSanitized(_ s: String, to out: inout [UInt8], spaceToo: Bool = false, colonToo: Bool = false) {
        for byte in s.utf8 {
            switch byte {
            case 0x0D, 0x0A, 0x00: out.append(spaceToo ? 0x5F : 0x20)
            case 0x20 where spaceToo: out.append(0x5F)
            case 0x3A where colonToo: out.append(0x5F)
            default: out.append(byte)
            }
        }
    }
}
