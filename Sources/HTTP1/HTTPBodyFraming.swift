/// How the encoder delimits the body that follows a head (RFC 9112 §6).
public enum HTTPBodyFraming: Sendable, Equatable {
    /// `Content-Length: n`.
    case contentLength(Int)
    /// `Transfer-Encoding: chunked`; send the body with `HTTP1Encoder.chunk` and finish with
    /// `HTTP1Encoder.lastChunk()`.
    case chunked
    /// No framing header is added (no body, e.g. 204/304, or a head whose headers already frame it).
    case none
}
