import HPACK

/// What a server connection reports to its application after `receive`.
public enum HTTP2Event: Sendable, Equatable {
    /// Request headers (first block of a stream) or trailers (a later block, always with
    /// `endStream`). Already validated per RFC 9113 §8.
    case headers(streamID: UInt32, fields: [HeaderField], endStream: Bool)
    /// Request body bytes (padding removed); flow-control credit is returned automatically.
    case data(streamID: UInt32, bytes: [UInt8], endStream: Bool)
    /// The peer reset the stream (RST_STREAM), or we reset a stream the application knew about
    /// because of a stream error. The application must drop the stream's work.
    case streamReset(streamID: UInt32, code: HTTP2ErrorCode)
    /// A flow-control window grew while output was queued: more may be sendable now.
    case windowAvailable
    /// The peer sent GOAWAY; no new streams are accepted.
    case goAway(lastStreamID: UInt32, code: HTTP2ErrorCode)
    /// A connection error occurred: GOAWAY is queued; flush `takeOutput()` and close.
    case connectionError(HTTP2Error)
}
