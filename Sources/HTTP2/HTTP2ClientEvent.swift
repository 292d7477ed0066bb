import HPACK

/// What a client connection reports to its application after `receive`.
public enum HTTP2ClientEvent: Sendable, Equatable {
    /// The server's first SETTINGS frame arrived and was applied: queued streams start now.
    case ready
    /// The final (non-1xx) response header block of a stream; validated per RFC 9113 §8.3.2.
    /// `endStream` means the response has no body and no trailers (gRPC "Trailers-Only").
    case response(streamID: UInt32, fields: [HeaderField], endStream: Bool)
    /// Response body bytes (padding removed).
    case data(streamID: UInt32, bytes: [UInt8], endStream: Bool)
    /// The trailer block that ends a response (always END_STREAM).
    case trailers(streamID: UInt32, fields: [HeaderField])
    /// The stream ended abnormally; the application must drop it.
    case streamClosed(streamID: UInt32, reason: HTTP2StreamCloseReason)
    /// The server acknowledged one of our PINGs (`ping(data:)`).
    case pingAcknowledged(data: UInt64)
    /// The server sent GOAWAY: no new streams; streams above `lastStreamID` were reported as
    /// `.streamClosed(.notProcessed)` just before this event.
    case goAway(lastStreamID: UInt32, code: HTTP2ErrorCode, debugData: [UInt8])
    /// A connection error: GOAWAY is queued and every stream is gone; flush and close.
    case connectionError(HTTP2Error)
}

/// Why a stream ended without a normal END_STREAM.
public enum HTTP2StreamCloseReason: Sendable, Equatable {
    /// The server reset it (RST_STREAM) with this code.
    case reset(HTTP2ErrorCode)
    /// The server's GOAWAY says it never processed this stream (id above last-stream-id): it is
    /// safe to retry on another connection (RFC 9113 §6.8).
    case notProcessed
    /// We reset it (RST_STREAM sent) because the server broke a stream-level rule.
    case protocolError(HTTP2Error)
}

/// Why `openStream` refused to create a stream.
public enum HTTP2ClientOpenError: Error, Sendable, Equatable {
    /// A connection error happened or the connection finished.
    case connectionClosed
    /// GOAWAY was sent or received: open the stream on a new connection.
    case goingAway
    /// The client stream identifier space (odd ids up to 2^31-1) is used up (RFC 9113 §5.1.1).
    case streamIDsExhausted
    /// More than `maxQueuedStreams` streams are waiting for a concurrency slot.
    case queueFull
}
