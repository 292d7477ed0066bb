/// HTTP/2 error codes (RFC 9113 §7).
public enum HTTP2ErrorCode: UInt32, Sendable {
    case noError = 0
    case protocolError
    case internalError
    case flowControlError
    case settingsTimeout
    case streamClosed
    case frameSizeError
    case refusedStream
    case cancel
    case compressionError
    case connectError
    case enhanceYourCalm
    case inadequateSecurity
    case http11Required

    /// Maps a code received from a peer. RFC 9113 §7: unknown or unsupported error codes MUST
    /// NOT trigger any special behaviour and MAY be treated as INTERNAL_ERROR.
    public init(peerValue: UInt32) {
        self = HTTP2ErrorCode(rawValue: peerValue) ?? .internalError
    }
}
