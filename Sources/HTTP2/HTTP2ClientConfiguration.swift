/// Limits and initial values a client connection advertises and enforces.
public struct HTTP2ClientConfiguration: Sendable {
    /// Advertised SETTINGS_INITIAL_WINDOW_SIZE: how much response DATA the server may send on one
    /// stream before we return credit (clamped to 2^31-1). For streams opened with
    /// `manualFlowControl` this is also the bound on bytes received and not yet consumed.
    public var initialStreamWindowSize: UInt32 = 1 << 20
    /// Connection receive window, raised with a connection WINDOW_UPDATE right after our SETTINGS.
    /// Connection-level credit is always returned as DATA arrives (per-stream windows carry the
    /// backpressure), so one slow stream never blocks the others.
    public var connectionWindowSize: UInt32 = 16 << 20
    /// Advertised SETTINGS_MAX_FRAME_SIZE: the largest frame payload we accept.
    public var maxFrameSize: UInt32 = 16384
    /// Advertised SETTINGS_MAX_HEADER_LIST_SIZE, enforced on every decoded response header block.
    public var maxHeaderListSize: UInt32 = 1 << 20
    /// Streams waiting for a slot under the server's SETTINGS_MAX_CONCURRENT_STREAMS (or for the
    /// server's first SETTINGS); `openStream` fails with `.queueFull` beyond this.
    public var maxQueuedStreams: Int = 10_000
    /// Credit is returned once this fraction (1/divisor) of a window has been consumed
    /// (grpc-go: a quarter).
    public var windowUpdateDivisor: Int = 4

    public init() {}
}
