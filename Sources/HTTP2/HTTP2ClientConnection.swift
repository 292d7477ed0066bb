import HPACK

/// Client side of one HTTP/2 connection (RFC 9113) as a pure state machine, beside
/// `HTTP2ServerConnection`: requests are queued with `openStream` / `sendData`, bytes from the
/// server go in with `receive` (events out), and everything to write comes out of `takeOutput`.
///
/// - Start: the connection preface and our SETTINGS (push disabled, our windows) are queued at
///   init; the server's first frame must be SETTINGS (grpc-go: "initial http2 frame from server
///   is not a settings frame"). Streams wait until it arrives, so the server's
///   MAX_CONCURRENT_STREAMS is known before the first HEADERS.
/// - Streams get odd, increasing ids when created (§5.1.1) and their HEADERS are emitted in that
///   order when a slot under the server's MAX_CONCURRENT_STREAMS is free. A queued stream that is
///   cancelled never appears on the wire (skipped ids are implicitly closed).
/// - Flow control: DATA is sent within min(connection, stream) windows, split at the server's
///   MAX_FRAME_SIZE; INITIAL_WINDOW_SIZE deltas apply to open streams (§6.9.2). Received DATA
///   returns connection credit at once and stream credit either at once or, for
///   `manualFlowControl` streams, when the application calls `releaseCredit` — the stream
///   window then bounds what an unread stream can buffer.
/// - GOAWAY: streams above last-stream-id are reported `.notProcessed` (retry elsewhere), the
///   others may finish; no new streams. Connection errors queue GOAWAY and drop every stream.
///
/// Not thread-safe: one owner (queue or task) per connection.
public struct HTTP2ClientConnection: Sendable {
    static let closedStreamMemory = 1024
    /// Largest client stream id (§5.1.1: 31 bits).
    static let maxStreamID: UInt32 = (1 << 31) - 1

    let configuration: HTTP2ClientConfiguration
    var frameDecoder: FrameDecoder
    var headerDecoder: HPACKDecoder
    var headerEncoder = HPACKEncoder()
    var peerSettings = HTTP2Settings()
    var receivedServerSettings = false
    var ourSettingsAcknowledged = false

    /// Every stream not yet finished: queued (not on the wire yet) and open.
    var streams: [UInt32: HTTP2ClientStream] = [:]
    /// Streams waiting for their HEADERS to be emitted, in id order.
    var queuedStreams = FIFO<UInt32>()
    var queuedStreamCount = 0
    /// Streams whose HEADERS went out and that are not closed (MAX_CONCURRENT_STREAMS).
    var openStreamCountValue = 0
    var nextStreamID: UInt32 = 1
    /// Highest stream id whose HEADERS was emitted: ids above it are idle on the wire.
    var highestEmittedStreamID: UInt32 = 0
    /// Streams we reset (or that ended while we still had output): late frames are ignored.
    var resetStreams = RecentStreamIDs(capacity: closedStreamMemory)
    /// Streams that ended normally in both directions.
    var closedStreams = RecentStreamIDs(capacity: closedStreamMemory)
    var pendingHeaderBlock: PendingHeaderBlock?

    var connectionSendWindow = FlowControlWindow(65535)
    var connectionReceiveWindow: FlowControlWindow
    var pendingConnectionCredit = 0
    let streamReceiveWindowSize: Int

    var output: [UInt8] = []
    var readyStreams: [UInt32] = []
    var queuedDataTotal = 0

    var goAwaySent = false
    /// last-stream-id of the first GOAWAY received (later ones may only lower it).
    var goAwayLastStreamID: UInt32?
    var failure: HTTP2Error?

    struct PendingHeaderBlock: Sendable {
        var streamID: UInt32
        var endStream: Bool
        var bytes: [UInt8]
    }

    /// Creates the connection and queues the preface, our SETTINGS and the connection
    /// WINDOW_UPDATE (RFC 9113 §3.4), so the driver can write them as soon as it is connected.
    public init(configuration: HTTP2ClientConfiguration = .init()) {
        var configuration = configuration
        configuration.initialStreamWindowSize = min(configuration.initialStreamWindowSize, HTTP2Settings.maxWindowSize)
        configuration.connectionWindowSize = min(
            max(configuration.connectionWindowSize, 65535), HTTP2Settings.maxWindowSize)
        configuration.maxFrameSize = min(
            max(configuration.maxFrameSize, HTTP2Settings.minMaxFrameSize), HTTP2Settings.maxMaxFrameSize)
        configuration.windowUpdateDivisor = max(configuration.windowUpdateDivisor, 1)
        self.configuration = configuration
        self.frameDecoder = FrameDecoder(maxFrameSize: configuration.maxFrameSize)
        self.headerDecoder = HPACKDecoder(maxTableSize: 4096, maxHeaderListSize: Int(configuration.maxHeaderListSize))
        self.connectionReceiveWindow = FlowControlWindow(Int(configuration.connectionWindowSize))
        self.streamReceiveWindowSize = Int(configuration.initialStreamWindowSize)

        output = http2ClientPreface
        FrameEncoder.settings([
            // §8.4: a client that does not want pushes says so; PUSH_PROMISE is then an error.
            HTTP2Setting(HTTP2SettingID.enablePush, 0),
            HTTP2Setting(HTTP2SettingID.initialWindowSize, configuration.initialStreamWindowSize),
            HTTP2Setting(HTTP2SettingID.maxFrameSize, configuration.maxFrameSize),
            HTTP2Setting(HTTP2SettingID.maxHeaderListSize, configuration.maxHeaderListSize),
        ], into: &output)
        let raise = configuration.connectionWindowSize - 65535
        if raise > 0 {
            FrameEncoder.windowUpdate(streamID: 0, increment: raise, into: &output)
        }
    }

    // MARK: Public state

    /// A connection error occurred, or GOAWAY was exchanged and no streams remain: the driver
    /// closes the socket after writing `takeOutput()`.
    public var isClosed: Bool {
        failure != nil || ((goAwaySent || goAwayLastStreamID != nil) && streams.isEmpty)
    }

    /// The server's first SETTINGS arrived.
    public var isReady: Bool { receivedServerSettings && failure == nil }

    /// New streams are accepted (no error, no GOAWAY, ids left).
    public var acceptsNewStreams: Bool {
        failure == nil && !goAwaySent && goAwayLastStreamID == nil && nextStreamID <= Self.maxStreamID
    }

    public var connectionError: HTTP2Error? { failure }

    /// Streams not finished (queued or open).
    public var activeStreamCount: Int { streams.count }

    /// Streams whose HEADERS were sent and that count against MAX_CONCURRENT_STREAMS.
    public var openStreamCount: Int { openStreamCountValue }

    /// Streams waiting for a concurrency slot (or for the server's SETTINGS).
    public var queuedStreamsCount: Int { queuedStreamCount }

    public func isStreamActive(_ id: UInt32) -> Bool { streams[id] != nil }

    /// Request DATA queued on all streams and not yet emitted.
    public var totalQueuedBytes: Int { queuedDataTotal }

    public var remoteSettings: HTTP2Settings { peerSettings }

    public var connectionSendWindowSize: Int { connectionSendWindow.value }

    public func sendWindowSize(streamID: UInt32) -> Int? {
        guard let stream = streams[streamID], stream.isOpen else { return nil }
        return stream.sendWindow.value
    }

    /// Bytes received on a manual-flow-control stream and not yet released.
    public func unreleasedBytes(streamID: UInt32) -> Int { streams[streamID]?.unreleasedBytes ?? 0 }

    /// Our SETTINGS were acknowledged by the server.
    public var settingsAcknowledged: Bool { ourSettingsAcknowledged }

    // MARK: Error handling

    /// Queues GOAWAY for a connection error, reports it and drops all streams (RFC 9113 §5.4.1).
    /// A client processes no server-initiated streams, so last-stream-id is 0.
    mutating func failConnection(_ error: HTTP2Error, events: inout [HTTP2ClientEvent]) {
        guard failure == nil else { return }
        failure = error
        FrameEncoder.goAway(lastStreamID: 0, errorCode: error.code.rawValue,
                            debugData: Array(error.reason.utf8.prefix(256)), into: &output)
        goAwaySent = true
        streams.removeAll()
        queuedStreams.removeAll()
        queuedStreamCount = 0
        openStreamCountValue = 0
        readyStreams.removeAll()
        queuedDataTotal = 0
        pendingHeaderBlock = nil
        events.append(.connectionError(error))
    }

    /// Sends RST_STREAM for a stream error (RFC 9113 §5.4.2) and reports the stream closed.
    mutating func failStream(_ id: UInt32, _ error: HTTP2Error, events: inout [HTTP2ClientEvent]) {
        FrameEncoder.rstStream(streamID: id, errorCode: error.code.rawValue, into: &output)
        if removeStream(id, reset: true) {
            events.append(.streamClosed(streamID: id, reason: .protocolError(error)))
        }
    }

    /// Removes a stream and its queued output; returns whether it existed.
    @discardableResult
    mutating func removeStream(_ id: UInt32, reset: Bool) -> Bool {
        if reset { resetStreams.insert(id) } else { closedStreams.insert(id) }
        guard let stream = streams.removeValue(forKey: id) else { return false }
        queuedDataTotal -= stream.queuedDataBytes
        if stream.isOpen {
            openStreamCountValue -= 1
        } else {
            // Still in `queuedStreams`; skipped when dequeued.
            queuedStreamCount -= 1
        }
        return true
    }

    /// Whether `id` names a stream that is idle on the wire: never emitted by us (RFC 9113 §5.1:
    /// frames other than PRIORITY on an idle stream are a connection PROTOCOL_ERROR). Even ids
    /// would be server-initiated streams, which need push (disabled).
    func isIdleOnWire(_ id: UInt32) -> Bool {
        id & 1 == 0 || id > highestEmittedStreamID || (streams[id].map { !$0.isOpen } ?? false)
    }
}
