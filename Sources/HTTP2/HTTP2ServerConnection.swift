import HPACK

/// Server side of one HTTP/2 connection (RFC 9113) as a pure state machine: bytes in
/// (`receive`), events out, application output queued with `send…` and drained with
/// `takeOutput`.
///
/// - Receiving: validates the client preface, parses frames, enforces stream states, flow
///   control, header block contiguity and request validity; HPACK-decodes every header block in
///   order. Stream errors become RST_STREAM (+ `.streamReset` if the application knew the
///   stream); connection errors queue GOAWAY and report `.connectionError`.
/// - Sending: HEADERS are HPACK-encoded when emitted (so the encoder's table follows wire
///   order); DATA is emitted within min(connection window, stream window) and split at the
///   peer's SETTINGS_MAX_FRAME_SIZE. Streams take turns, one frame each per round.
///
/// Not thread-safe: one owner (queue or task) per connection.
public struct HTTP2ServerConnection: Sendable {
    /// How many recently closed / reset stream ids are remembered to classify late frames.
    static let closedStreamMemory = 2048

    let configuration: HTTP2ServerConfiguration
    var prefaceBytesMatched = 0
    var receivedFirstSettings = false
    var frameDecoder: FrameDecoder
    var headerDecoder: HPACKDecoder
    var headerEncoder = HPACKEncoder()
    var peerSettings = HTTP2Settings()
    var ourSettingsAcknowledged = false

    var streams: [UInt32: HTTP2Stream] = [:]
    /// Highest client stream id used by a HEADERS frame (later ids must be greater).
    var highestPeerStreamID: UInt32 = 0
    /// Highest stream handed to the application (GOAWAY last-stream-id).
    var lastProcessedStreamID: UInt32 = 0
    /// How recently closed streams were closed, to classify late frames (RFC 9113 §5.1).
    var closedStreams = ClosedStreams(capacity: closedStreamMemory)
    /// A header block waiting for CONTINUATION frames.
    var pendingHeaderBlock: PendingHeaderBlock?

    /// Flood budgets (see `HTTP2ServerConfiguration`): frames without request progress...
    var controlBudget: TokenBucket
    /// ...and stream resets (client RST_STREAM plus stream errors its frames cause).
    var resetBudget: TokenBucket
    /// DATA octets emitted and not yet converted into control-frame tokens.
    var controlCreditOctets = 0
    /// The driver's clock (monotonic nanoseconds) at the latest `receive`.
    var now: UInt64 = 0

    var connectionSendWindow = FlowControlWindow(65535)
    var connectionReceiveWindow: FlowControlWindow
    var pendingConnectionCredit = 0
    let streamReceiveWindowSize: Int

    var output: [UInt8] = []
    /// Streams with queued output, served round-robin.
    var readyStreams: [UInt32] = []
    var queuedDataTotal = 0

    var goAwaySent = false
    var goAwayReceived = false
    var failure: HTTP2Error?
    /// Set while receiving when a window grew; reported once as `.windowAvailable`.
    var windowGrew = false

    struct PendingHeaderBlock: Sendable {
        var streamID: UInt32
        var endStream: Bool
        var priority: HTTP2PriorityInfo?
        var bytes: [UInt8]
        /// CONTINUATION frames received for this block so far.
        var continuations = 0
    }

    /// Creates the connection and queues our SETTINGS (and the connection WINDOW_UPDATE), so
    /// the driver can write them before the client preface arrives.
    public init(configuration: HTTP2ServerConfiguration = .init()) {
        var configuration = configuration
        configuration.initialStreamWindowSize = min(configuration.initialStreamWindowSize, HTTP2Settings.maxWindowSize)
        configuration.connectionWindowSize = min(
            max(configuration.connectionWindowSize, 65535), HTTP2Settings.maxWindowSize)
        configuration.maxFrameSize = min(
            max(configuration.maxFrameSize, HTTP2Settings.minMaxFrameSize), HTTP2Settings.maxMaxFrameSize)
        configuration.controlFrameCreditBytes = max(configuration.controlFrameCreditBytes, 1)
        self.configuration = configuration
        self.controlBudget = TokenBucket(capacity: configuration.controlFrameBurst,
                                         perSecond: configuration.controlFramesPerSecond)
        self.resetBudget = TokenBucket(capacity: configuration.streamResetBurst,
                                       perSecond: configuration.streamResetsPerSecond)
        self.frameDecoder = FrameDecoder(maxFrameSize: configuration.maxFrameSize)
        // A larger table limit is safe to apply at once; a smaller one only once acknowledged.
        self.headerDecoder = HPACKDecoder(
            maxTableSize: max(Int(configuration.headerTableSize), 4096),
            maxHeaderListSize: Int(configuration.maxHeaderListSize))
        self.connectionReceiveWindow = FlowControlWindow(Int(configuration.connectionWindowSize))
        self.streamReceiveWindowSize = Int(configuration.initialStreamWindowSize)

        var settings = [
            HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, configuration.maxConcurrentStreams),
            HTTP2Setting(HTTP2SettingID.initialWindowSize, configuration.initialStreamWindowSize),
            HTTP2Setting(HTTP2SettingID.maxFrameSize, configuration.maxFrameSize),
            HTTP2Setting(HTTP2SettingID.maxHeaderListSize, configuration.maxHeaderListSize),
        ]
        if configuration.headerTableSize != 4096 {
            settings.append(HTTP2Setting(HTTP2SettingID.headerTableSize, configuration.headerTableSize))
        }
        FrameEncoder.settings(settings, into: &output)
        let raise = configuration.connectionWindowSize - 65535
        if raise > 0 {
            FrameEncoder.windowUpdate(streamID: 0, increment: raise, into: &output)
        }
    }

    // MARK: Public state

    /// A connection error occurred, or GOAWAY was exchanged and no streams remain: the driver
    /// closes the socket after writing `takeOutput()`.
    public var isClosed: Bool {
        failure != nil || ((goAwaySent || goAwayReceived) && streams.isEmpty)
    }

    /// The connection error that ended this connection, if any.
    public var connectionError: HTTP2Error? { failure }

    /// Streams open or half-closed (they count against MAX_CONCURRENT_STREAMS).
    public var openStreamCount: Int { streams.count }

    public func isStreamOpen(_ id: UInt32) -> Bool { streams[id] != nil }

    /// Application DATA queued on `streamID` and not yet emitted.
    public func queuedBytes(streamID: UInt32) -> Int { streams[streamID]?.queuedDataBytes ?? 0 }

    /// Application DATA queued on all streams and not yet emitted.
    public var totalQueuedBytes: Int { queuedDataTotal }

    /// The peer's current settings.
    public var remoteSettings: HTTP2Settings { peerSettings }

    /// Current send window of the connection (may be limited by the stream windows too).
    public var connectionSendWindowSize: Int { connectionSendWindow.value }

    /// Current send window of a stream, nil if it is not open.
    public func sendWindowSize(streamID: UInt32) -> Int? { streams[streamID]?.sendWindow.value }

    // MARK: Error handling

    /// Queues GOAWAY for a connection error, reports it and drops all streams (RFC 9113 §5.4.1).
    mutating func failConnection(_ error: HTTP2Error, events: inout [HTTP2Event]) {
        guard failure == nil else { return }
        failure = error
        FrameEncoder.goAway(lastStreamID: lastProcessedStreamID, errorCode: error.code.rawValue,
                            debugData: Array(error.reason.utf8.prefix(256)), into: &output)
        goAwaySent = true
        streams.removeAll()
        readyStreams.removeAll()
        queuedDataTotal = 0
        pendingHeaderBlock = nil
        events.append(.connectionError(error))
    }

    /// Sends RST_STREAM for a stream error (RFC 9113 §5.4.2) and forgets the stream.
    mutating func failStream(_ id: UInt32, code: HTTP2ErrorCode, events: inout [HTTP2Event]) {
        FrameEncoder.rstStream(streamID: id, errorCode: code.rawValue, into: &output)
        if removeStream(id, closure: .resetLocally) {
            events.append(.streamReset(streamID: id, code: code))
        }
    }

    /// Removes a stream and its queued output, remembering how it closed; returns whether it
    /// existed.
    @discardableResult
    mutating func removeStream(_ id: UInt32, closure: StreamClosure) -> Bool {
        closedStreams.record(id, closure)
        guard let stream = streams.removeValue(forKey: id) else { return false }
        queuedDataTotal -= stream.queuedDataBytes
        return true
    }
}
