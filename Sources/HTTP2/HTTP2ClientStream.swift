import HPACK

/// Per-stream state of a client connection (RFC 9113 §5.1), from creation (queued, idle on the
/// wire) to removal, which happens as soon as the server ends its side (END_STREAM) or either
/// side resets it: a stream in this table is never half-closed (remote).
struct HTTP2ClientStream: Sendable {
    let id: UInt32
    /// Request header block, emitted (and HPACK-encoded) when the stream gets a concurrency slot.
    var requestHeaders: [HeaderField]
    /// The request ends with its header block (no DATA).
    let endStreamWithHeaders: Bool
    /// Stream credit is returned only through `releaseCredit` (backpressure by the consumer).
    let manualFlowControl: Bool
    /// HEADERS was emitted: the stream is open on the wire and counts against the server's
    /// SETTINGS_MAX_CONCURRENT_STREAMS.
    var isOpen = false
    /// We emitted END_STREAM (half-closed local).
    var localClosed = false
    /// The final response header block arrived (later blocks are trailers).
    var responseReceived = false

    /// Credit we have for sending DATA; set when the stream opens.
    var sendWindow = FlowControlWindow(0)
    /// Credit the server still has for sending DATA to us.
    var receiveWindow = FlowControlWindow(0)
    /// Received octets not yet returned with a WINDOW_UPDATE.
    var pendingReceiveCredit = 0
    /// Octets received on a manual stream and not yet released by the application.
    var unreleasedBytes = 0

    /// Request DATA not yet emitted, in order.
    var output = FIFO<StreamOutput>()
    var headOffset = 0
    var queuedDataBytes = 0
    var localEndQueued: Bool
    var scheduled = false

    init(id: UInt32, headers: [HeaderField], endStream: Bool, manualFlowControl: Bool) {
        self.id = id
        self.requestHeaders = headers
        self.endStreamWithHeaders = endStream
        self.manualFlowControl = manualFlowControl
        self.localEndQueued = endStream
    }
}
