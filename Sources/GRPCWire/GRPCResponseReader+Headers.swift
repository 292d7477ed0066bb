extension GRPCResponseReader {
    /// One header block digested the way grpc-go's `operateHeaders` loop does.
    struct ParsedHeaders {
        var isGRPC: Bool
        var contentTypeError = "malformed header: missing HTTP content-type"
        var httpStatusError: String
        var httpStatus: Int?
        var encoding: String?
        var statusCode = GRPCStatusCode.unknown
        var message = ""
        var headerError = ""
        var metadata: [GRPCHeader] = []
        /// A malformed `grpc-status` / `:status` value: the call fails at once.
        var failure: GRPCStatus?

        init(initial: Bool) {
            // A response head already seen means the peer speaks gRPC (trailers need no
            // content-type); only the first block must carry :status.
            isGRPC = !initial
            httpStatusError = initial ? "malformed header: missing HTTP status" : ""
        }

        mutating func take(_ field: GRPCHeader) {
            guard failure == nil else { return }
            switch field.name {
            case "content-type":
                guard GRPCContentType.isGRPC(field.value) else {
                    contentTypeError = "transport: received unexpected content-type \(goQuoted(field.value))"
                    return
                }
                contentTypeError = ""
                isGRPC = true
                metadata.append(field)
            case "grpc-encoding":
                encoding = field.value
            case "grpc-status":
                switch parseInt32(field.value) {
                case .success(let value):
                    statusCode = GRPCStatusCode(rawValue: Int(value)) ?? .unknown
                case .failure(let reason):
                    failure = GRPCStatus(.internalError, "transport: malformed grpc-status: \(reason)")
                }
            case "grpc-message":
                message = GRPCPercentEncoding.decode(field.value)
            case ":status":
                if field.value == "200" {
                    httpStatusError = ""
                    httpStatus = 200
                    return
                }
                switch parseInt32(field.value) {
                case .success(let value):
                    httpStatus = Int(value)
                    httpStatusError = "unexpected HTTP status code received from server: \(value) "
                        + "(\(GRPCTransportStatus.statusText(Int(value))))"
                case .failure(let reason):
                    failure = GRPCStatus(.internalError, "transport: malformed http-status: \(reason)")
                }
            default:
                // grpc-go keeps reserved headers out of the metadata (except the whitelisted
                // :authority/user-agent, which a response does not carry).
                if GRPCMetadata.isReservedHeader(field.name) { return }
                if GRPCMetadata.isBinaryKey(field.name) {
                    guard let bytes = GRPCMetadata.decodeBinary(field.value) else {
                        headerError = "transport: malformed \(field.name): illegal base64 data"
                        return
                    }
                    metadata.append(GRPCHeader(field.name, String(decoding: bytes, as: UTF8.self)))
                    return
                }
                metadata.append(field)
            }
        }

        /// Go's `strconv.ParseInt(s, 10, 32)` including its error texts.
        func parseInt32(_ text: String) -> Result<Int32, ParseFailure> {
            let quoted = goQuoted(text)
            var bytes = Substring(text).utf8[...]
            var negative = false
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { return .failure(ParseFailure("strconv.ParseInt: parsing \(quoted): invalid syntax")) }
            var value: Int64 = 0
            var overflow = false
            for byte in bytes {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                    return .failure(ParseFailure("strconv.ParseInt: parsing \(quoted): invalid syntax"))
                }
                if !overflow {
                    value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                    if value > Int64(Int32.max) + 1 { overflow = true }
                }
            }
            if negative { value = -value }
            guard !overflow, value >= Int64(Int32.min), value <= Int64(Int32.max) else {
                return .failure(ParseFailure("strconv.ParseInt: parsing \(quoted): value out of range"))
            }
            return .success(Int32(value))
        }

        struct ParseFailure: Error, CustomStringConvertible {
            let description: String
            init(_ description: String) { self.description = description }
        }

        /// Go's `%q` for header values (printable ASCII kept, the rest `\xNN`).
        func goQuoted(_ value: String) -> String {
            var out = "\""
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append("\\")
                    out.append(Character(Unicode.Scalar(byte)))
                case 0x20...0x7E:
                    out.append(Character(Unicode.Scalar(byte)))
                default:
                    let hex = Array("0123456789abcdef")
                    out.append("\\x")
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            return out + "\""
        }
    }
}
