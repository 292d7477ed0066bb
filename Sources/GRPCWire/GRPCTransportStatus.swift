/// Statuses a gRPC client synthesises from transport facts, with grpc-go's codes and texts
/// (`internal/transport/http_util.go` `HTTPStatusConvTab` and `http2ErrConvTab`,
/// `http2_client.go`).
public enum GRPCTransportStatus {
    /// HTTP status → gRPC code for non-gRPC responses (`HTTPStatusConvTab`); others → Unknown.
    public static func code(httpStatus: Int) -> GRPCStatusCode {
        switch httpStatus {
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }

    /// Go's `http.StatusText` for the codes a server is likely to answer with ("" otherwise).
    public static func statusText(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Request Entity Too Large"
        case 414: "Request URI Too Long"
        case 415: "Unsupported Media Type"
        case 421: "Misdirected Request"
        case 426: "Upgrade Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: ""
        }
    }

    /// HTTP/2 error code (RST_STREAM) → gRPC code (`http2ErrConvTab`); unknown codes → Unknown.
    public static func code(http2ErrorCode: UInt32) -> GRPCStatusCode {
        switch http2ErrorCode {
        case 0x0, 0x1, 0x2, 0x4, 0x5, 0x6, 0x9, 0xA, 0xD: .internalError
        case 0x3, 0xB: .resourceExhausted
        case 0x7: .unavailable
        case 0x8: .cancelled
        case 0xC: .permissionDenied
        default: .unknown
        }
    }

    /// golang.org/x/net/http2 `ErrCode.String()`.
    public static func http2ErrorCodeName(_ code: UInt32) -> String {
        let names = [
            "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
            "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
        ]
        return code < names.count ? names[Int(code)] : "unknown error code 0x\(String(code, radix: 16))"
    }

    /// The status of a stream the server reset (grpc-go `handleRSTStream`); CANCEL after our
    /// own deadline passed is reported as DeadlineExceeded.
    public static func reset(http2ErrorCode: UInt32, deadlinePassed: Bool = false) -> GRPCStatus {
        var code = code(http2ErrorCode: http2ErrorCode)
        if code == .cancelled && deadlinePassed { code = .deadlineExceeded }
        return GRPCStatus(code, "stream terminated by RST_STREAM with error code: \(http2ErrorCodeName(http2ErrorCode))")
    }

    /// A stream above a GOAWAY's last-stream-id: never processed, retried transparently by
    /// grpc-go (`errStreamDrain`).
    public static let draining = GRPCStatus(.unavailable, "the connection is draining")

    /// DATA with END_STREAM and no trailers (grpc-go `handleData`).
    public static let missingTrailers = GRPCStatus(.internalError, "server closed the stream without sending trailers")

    /// The caller's deadline passed (grpc-go `status.FromContextError(context.DeadlineExceeded)`).
    public static let deadlineExceeded = GRPCStatus(.deadlineExceeded, "context deadline exceeded")

    /// The caller cancelled (grpc-go `status.FromContextError(context.Canceled)`).
    public static let cancelled = GRPCStatus(.cancelled, "context canceled")

    /// Unary cardinality checks (grpc-go `clientStream.RecvMsg`).
    public static let noResponseMessage = GRPCStatus(
        .internalError, "cardinality violation: received no response message from non-server-streaming RPC")
    public static let extraResponseMessage = GRPCStatus(
        .internalError, "cardinality violation: expected <EOF> for non server-streaming RPCs, but received another message")
}
