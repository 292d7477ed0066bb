/// Limits and initial values a server connection advertises and enforces.
public struct HTTP2ServerConfiguration: Sendable {
    /// Advertised SETTINGS_MAX_CONCURRENT_STREAMS; excess streams are refused (REFUSED_STREAM).
    public var maxConcurrentStreams: UInt32 = 1000
    /// Advertised SETTINGS_INITIAL_WINDOW_SIZE (clamped to 2^31-1).
    public var initialStreamWindowSize: UInt32 = 1 << 20
    /// Connection receive window, raised with a connection WINDOW_UPDATE right after our SETTINGS.
    public var connectionWindowSize: UInt32 = 16 << 20
    /// Advertised SETTINGS_MAX_FRAME_SIZE: the largest frame payload we accept.
    public var maxFrameSize: UInt32 = 16384
    /// Advertised SETTINGS_MAX_HEADER_LIST_SIZE, enforced on every decoded header block.
    public var maxHeaderListSize: UInt32 = 64 * 1024
    /// Our SETTINGS_HEADER_TABLE_SIZE: limit on the peer's HPACK dynamic table size updates.
    public var headerTableSize: UInt32 = 4096
    /// Informational for the driver: how much app output it should let queue up.
    public var maxBufferedOutputBytes: Int = 8 << 20
    /// After we END_STREAM a stream the client has not half-closed, send RST_STREAM(NO_ERROR)
    /// right after the END_STREAM frame is emitted (RFC 9113 §8.1).
    public var resetStreamsClosedBeforeRequestEnd: Bool = true

    public init() {}
}
