import HPACK

extension HTTP2ClientConnection {
    /// Creates a stream for a request and returns its id. The header block is emitted (and
    /// HPACK-encoded, so the encoder follows wire order) once the server's SETTINGS arrived and
    /// a slot under its SETTINGS_MAX_CONCURRENT_STREAMS is free (RFC 9113 §5.1.2); until then
    /// the stream is queued, in id order.
    ///
    /// - Parameter manualFlowControl: stream credit is returned only by `releaseCredit`, so a
    ///   consumer that stops reading stops the server after one stream window.
    public mutating func openStream(
        headers: [HeaderField], endStream: Bool, manualFlowControl: Bool = false
    ) throws(HTTP2ClientOpenError) -> UInt32 {
        guard failure == nil else { throw .connectionClosed }
        guard !goAwaySent, goAwayLastStreamID == nil else { throw .goingAway }
        guard nextStreamID <= Self.maxStreamID else { throw .streamIDsExhausted }
        guard queuedStreamCount < configuration.maxQueuedStreams else { throw .queueFull }
        let id = nextStreamID
        nextStreamID += 2
        streams[id] = HTTP2ClientStream(id: id, headers: headers, endStream: endStream,
                                        manualFlowControl: manualFlowControl)
        queuedStreams.append(id)
        queuedStreamCount += 1
        return id
    }

    /// Queues request DATA, emitted as flow control allows in frames of at most the server's
    /// SETTINGS_MAX_FRAME_SIZE. Ignored when the stream is gone or already ended by us.
    public mutating func sendData(streamID: UInt32, bytes: [UInt8], endStream: Bool) {
        guard failure == nil, let index = streams.index(forKey: streamID), !streams.values[index].localEndQueued else {
            return
        }
        streams.values[index].output.append(.data(bytes, endStream: endStream))
        streams.values[index].queuedDataBytes += bytes.count
        queuedDataTotal += bytes.count
        if endStream { streams.values[index].localEndQueued = true }
        if streams.values[index].isOpen, !streams.values[index].scheduled {
            streams.values[index].scheduled = true
            readyStreams.append(streamID)
        }
    }

    /// Cancels a stream: RST_STREAM with `code` if it is on the wire, nothing if it was still
    /// queued (an idle stream must not be reset, §6.4). No event is reported for it.
    public mutating func resetStream(streamID: UInt32, code: HTTP2ErrorCode) {
        guard failure == nil, let stream = streams[streamID] else { return }
        if stream.isOpen {
            FrameEncoder.rstStream(streamID: streamID, errorCode: code.rawValue, into: &output)
        }
        removeStream(streamID, reset: true)
    }

    /// Returns stream credit for `count` received bytes the application has consumed
    /// (`manualFlowControl` streams). A WINDOW_UPDATE goes out once a share of the window is due.
    public mutating func releaseCredit(streamID: UInt32, count: Int) {
        guard failure == nil, count > 0, let index = streams.index(forKey: streamID),
            streams.values[index].manualFlowControl
        else { return }
        let amount = min(count, streams.values[index].unreleasedBytes)
        streams.values[index].unreleasedBytes -= amount
        addStreamCredit(at: index, amount)
    }

    /// Queues a PING; its ACK is reported as `.pingAcknowledged(data:)`.
    public mutating func ping(data: UInt64) {
        guard failure == nil else { return }
        FrameEncoder.ping(data: data, ack: false, into: &output)
    }

    /// Graceful close from our side: GOAWAY (last-stream-id 0: the server opens no streams),
    /// no new streams; open ones may finish. `isClosed` turns true once they are done.
    public mutating func goAway(code: HTTP2ErrorCode = .noError, debugData: [UInt8] = []) {
        guard failure == nil, !goAwaySent else { return }
        FrameEncoder.goAway(lastStreamID: 0, errorCode: code.rawValue, debugData: debugData, into: &output)
        goAwaySent = true
        // Queued streams never reached the wire: drop them (the caller retries elsewhere).
        while let id = queuedStreams.popFirst() {
            if let stream = streams[id], !stream.isOpen { removeStream(id, reset: true) }
        }
    }

    /// All bytes ready to write now: control frames, newly started streams' HEADERS, and the
    /// DATA the flow-control windows allow. Empty when there is nothing to write.
    public mutating func takeOutput() -> [UInt8] {
        if failure == nil {
            startQueuedStreams()
            emitStreamOutput()
        }
        guard !output.isEmpty else { return [] }
        let bytes = output
        output = []
        output.reserveCapacity(min(bytes.count, 64 * 1024))
        return bytes
    }

    /// Emits HEADERS for queued streams, in id order, while the server's concurrency limit
    /// allows (absent = unlimited, RFC 9113 §6.5.2).
    mutating func startQueuedStreams() {
        guard receivedServerSettings, !goAwaySent, goAwayLastStreamID == nil else { return }
        let limit = peerSettings.maxConcurrentStreams.map(Int.init) ?? Int.max
        while openStreamCountValue < limit, let id = queuedStreams.first {
            _ = queuedStreams.popFirst()
            guard let index = streams.index(forKey: id), !streams.values[index].isOpen else { continue }
            queuedStreamCount -= 1
            openStreamCountValue += 1
            highestEmittedStreamID = id
            streams.values[index].isOpen = true
            streams.values[index].sendWindow = FlowControlWindow(Int(peerSettings.initialWindowSize))
            streams.values[index].receiveWindow = FlowControlWindow(streamReceiveWindowSize)
            let endStream = streams.values[index].endStreamWithHeaders
            var block: [UInt8] = []
            headerEncoder.encode(streams.values[index].requestHeaders, into: &block)
            streams.values[index].requestHeaders = []
            FrameEncoder.headers(streamID: id, headerBlock: block, endStream: endStream,
                                 maxFrameSize: Int(peerSettings.maxFrameSize), into: &output)
            if endStream {
                streams.values[index].localClosed = true
            } else if !streams.values[index].output.isEmpty {
                streams.values[index].scheduled = true
                readyStreams.append(id)
            }
        }
    }

    /// Round-robin over streams with output: one frame each per round, until no stream can
    /// make progress (windows exhausted or queues empty).
    mutating func emitStreamOutput() {
        while !readyStreams.isEmpty {
            var progressed = false
            var stillReady: [UInt32] = []
            for id in readyStreams {
                if emitData(streamID: id) { progressed = true }
                if let index = streams.index(forKey: id) {
                    if streams.values[index].output.isEmpty {
                        streams.values[index].scheduled = false
                    } else {
                        stillReady.append(id)
                    }
                }
            }
            readyStreams = stillReady
            if !progressed { break }
        }
    }

    /// Emits one DATA frame coalescing queued items within the windows and the server's maximum
    /// frame size. A zero-length END_STREAM frame needs no window.
    private mutating func emitData(streamID: UInt32) -> Bool {
        guard let index = streams.index(forKey: streamID), streams.values[index].isOpen,
            !streams.values[index].output.isEmpty
        else { return false }
        let budget = min(connectionSendWindow.available, streams.values[index].sendWindow.available,
                         Int(peerSettings.maxFrameSize))
        let headerPosition = output.count
        FrameEncoder.frameHeader(length: 0, type: HTTP2FrameType.data, flags: 0, streamID: streamID, into: &output)
        var written = 0
        var endStream = false
        while case .data(let bytes, let end)? = streams.values[index].output.first {
            let offset = streams.values[index].headOffset
            let take = min(bytes.count - offset, budget - written)
            if take > 0 {
                output.append(contentsOf: bytes[offset..<(offset + take)])
                written += take
            }
            guard offset + take == bytes.count else {
                streams.values[index].headOffset = offset + take
                break
            }
            streams.values[index].headOffset = 0
            _ = streams.values[index].output.popFirst()
            if end {
                endStream = true
                break
            }
            if written == budget { break }
        }
        guard written > 0 || endStream else {
            output.removeLast(http2FrameHeaderLength)
            return false
        }
        output[headerPosition] = UInt8(truncatingIfNeeded: written >> 16)
        output[headerPosition + 1] = UInt8(truncatingIfNeeded: written >> 8)
        output[headerPosition + 2] = UInt8(truncatingIfNeeded: written)
        if endStream { output[headerPosition + 4] = HTTP2FrameFlags.endStream }
        _ = connectionSendWindow.consume(written)
        _ = streams.values[index].sendWindow.consume(written)
        streams.values[index].queuedDataBytes -= written
        queuedDataTotal -= written
        if endStream { streams.values[index].localClosed = true }
        return true
    }
}
