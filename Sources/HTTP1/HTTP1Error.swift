/// Why an HTTP/1.1 message could not be parsed. Each case maps to the status a server answers
/// with (`statusCode`) before closing the connection.
public enum HTTP1Error: Error, Sendable, Equatable {
    /// The head (request/status line + fields, or chunked trailers) exceeds `limit` bytes.
    case headTooLarge(limit: Int)
    /// More than `limit` header (or trailer) fields.
    case tooManyHeaders(limit: Int)
    /// The body (declared or received so far) exceeds `limit` bytes.
    case bodyTooLarge(length: Int, limit: Int)
    case malformedRequestLine(String)
    case malformedStatusLine(String)
    case malformedHeader(String)
    /// RFC 9112 §5.2: obsolete line folding in a request.
    case obsoleteLineFolding
    /// RFC 9112 §3.2: HTTP/1.1 request with no Host, or more than one.
    case invalidHost
    case invalidContentLength(String)
    /// RFC 9112 §6.1: a request carrying both Transfer-Encoding and Content-Length.
    case conflictingFraming
    /// A transfer coding other than a single final `chunked` (RFC 9112 §6.1: 501 if unknown).
    case unsupportedTransferEncoding(String)
    /// Chunked transfer coding is only defined for HTTP/1.1 (RFC 9112 §6.1).
    case chunkedInHTTP10
    case unsupportedVersion(String)
    case malformedChunk(String)
    /// The connection ended inside a message.
    case truncatedMessage

    /// The HTTP status a server should answer with.
    public var statusCode: Int {
        switch self {
        case .headTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .unsupportedTransferEncoding: 501
        case .unsupportedVersion: 505
        default: 400
        }
    }
}
