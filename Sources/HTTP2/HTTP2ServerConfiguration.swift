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

    // MARK: Flood budgets (RFC 9113 §10.5; CVE-2019-9512/9515/9518, CVE-2023-44487, CVE-2024-27316)
    //
    // Past any budget the connection ends with GOAWAY(ENHANCE_YOUR_CALM). Budgets are token
    // buckets refilled from the time the driver passes to `receive(_:now:)` (the state machine
    // has no clock), and — as nghttp2 and Go tie their allowances to useful work — frames a client
    // legitimately sends in proportion to what it receives (WINDOW_UPDATE, grpc-go's BDP PINGs)
    // are paid for by the response data we emit.

    /// Frames that carry no request progress: PING, SETTINGS (1 + one per parameter),
    /// WINDOW_UPDATE, PRIORITY, CONTINUATION, DATA without payload or END_STREAM, unknown
    /// types. At most this many in a burst...
    public var controlFrameBurst: Int = 10_000
    /// ...and this many per second on average.
    public var controlFramesPerSecond: Int = 1_000
    /// One control-frame token is earned per this many octets of DATA we emit, on top of two per
    /// DATA frame and one per HEADERS frame: a client returning flow-control credit and sending
    /// BDP PINGs for the data it reads is never short of budget.
    public var controlFrameCreditBytes: Int = 1024
    /// Stream resets: RST_STREAM from the client and stream errors its frames cause (each makes
    /// us start and drop work — Rapid Reset, CVE-2023-44487). Burst...
    public var streamResetBurst: Int = 1_000
    /// ...and sustained rate per second.
    public var streamResetsPerSecond: Int = 100
    /// CONTINUATION frames allowed in one field block (CVE-2024-27316: a header block that never
    /// ends). grpc-go splits at SETTINGS_MAX_FRAME_SIZE, so 64 KiB of fields need 3.
    public var maxContinuationFrames: Int = 16
    /// Compressed size of one field block across HEADERS and CONTINUATION frames; beyond it (or
    /// beyond twice `maxHeaderListSize`, whichever is smaller) the block is not buffered further.
    public var maxHeaderBlockBytes: Int = 128 * 1024

    public init() {}
}
