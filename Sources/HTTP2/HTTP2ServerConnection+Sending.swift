import HPACK

extension HTTP2ServerConnection {
    /// Queues response headers or trailers, in order behind any DATA queued on the stream.
    /// Ignored when the stream is not open for sending (reset, closed, or already ended).
    public mutating func sendHeaders(streamID: UInt32, fields: [HeaderField], endStream: Bool) {
        enqueue(streamID: streamID, .headers(fields, endStream: endStream), dataBytes: 0, endStream: endStream)
    }

    /// Queues DATA; it is emitted as flow control allows, in frames of at most the peer's
    /// SETTINGS_MAX_FRAME_SIZE. Ignored when the stream is not open for sending.
    public mutating func sendData(streamID: UInt32, bytes: [UInt8], endStream: Bool) {
        enqueue(streamID: streamID, .data(bytes, endStream: endStream), dataBytes: bytes.count, endStream: endStream)
    }

    /// Resets a stream (RST_STREAM with `code`) and drops its queued output. No event is
    /// reported for it.
    public mutating func resetStream(streamID: UInt32, code: HTTP2ErrorCode) {
        guard failure == nil, streams[streamID] != nil else { return }
        FrameEncoder.rstStream(streamID: streamID, errorCode: code.rawValue, into: &output)
        removeStream(streamID, closure: .resetLocally)
    }

    /// Starts a graceful shutdown: GOAWAY naming the highest stream handed to the application.
    /// Existing streams may finish; new ones are refused. `isClosed` turns true once they are done.
    public mutating func goAway(code: HTTP2ErrorCode, debugData: [UInt8] = []) {
        guard failure == nil else { return }
        FrameEncoder.goAway(lastStreamID: lastProcessedStreamID, errorCode: code.rawValue, debugData: debugData,
                            into: &output)
        goAwaySent = true
    }

    /// Ends the connection now, as for a connection error of ours (RFC 9113 §5.4.1): GOAWAY with
    /// `code` and `reason` as debug data, every stream and its queued output dropped,
    /// `isClosed` true. The driver uses it when the peer exceeds a budget it enforces itself.
    public mutating func abort(code: HTTP2ErrorCode, reason: String) {
        var events: [HTTP2Event] = []
        failConnection(.connection(code, reason), events: &events)
    }

    /// All bytes ready to write now: control frames plus whatever stream output the
    /// flow-control windows allow. Empty when there is nothing to write.
    public mutating func takeOutput() -> [UInt8] {
        if failure == nil { emitStreamOutput() }
        guard !output.isEmpty else { return [] }
        let bytes = output
        output = []
        output.reserveCapacity(min(bytes.count, 64 * 1024))
        return bytes
    }

    private mutating func enqueue(streamID: UInt32, _ item: StreamOutput, dataBytes: Int, endStream: Bool) {
        guard failure == nil, let index = streams.index(forKey: streamID),
            !streams.values[index].localEndQueued,
            streams.values[index].state == .open || streams.values[index].state == .halfClosedRemote
        else { return }
        streams.values[index].output.append(item)
        streams.values[index].queuedDataBytes += dataBytes
        queuedDataTotal += dataBytes
        if endStream { streams.values[index].localEndQueued = true }
        if !streams.values[index].scheduled {
            streams.values[index].scheduled = true
            readyStreams.append(streamID)
        }
    }

    /// Round-robin over streams with output: each emits at most one frame per round, until no
    /// stream can make progress (windows exhausted or queues empty).
    mutating func emitStreamOutput() {
        while !readyStreams.isEmpty {
            var progressed = false
            var stillReady: [UInt32] = []
            for id in readyStreams {
                if emitFrame(streamID: id) { progressed = true }
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

    /// Emits the next frame of a stream's queue; returns whether anything was written.
    private mutating func emitFrame(streamID: UInt32) -> Bool {
        guard let index = streams.index(forKey: streamID), let item = streams.values[index].output.first else {
            return false
        }
        switch item {
        case .headers(let fields, let endStream):
            _ = streams.values[index].output.popFirst()
            var block: [UInt8] = []
            headerEncoder.encode(fields, into: &block)
            FrameEncoder.headers(streamID: streamID, headerBlock: block, endStream: endStream,
                                 maxFrameSize: Int(peerSettings.maxFrameSize), into: &output)
            controlBudget.give(1)
            if endStream { didSendEndStream(streamID: streamID) }
            return true
        case .data:
            return emitData(streamID: streamID, index: index)
        }
    }

    /// Emits one DATA frame coalescing consecutive queued DATA items, within the windows and
    /// the peer's maximum frame size. A zero-length END_STREAM frame needs no window.
    private mutating func emitData(streamID: UInt32, index: Dictionary<UInt32, HTTP2Stream>.Index) -> Bool {
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
        earnControlCredit(dataOctets: written)
        if endStream { didSendEndStream(streamID: streamID) }
        return true
    }

    /// State transition after emitting END_STREAM (RFC 9113 §5.1). If the client has not
    /// finished its request, optionally reset it with NO_ERROR (§8.1).
    private mutating func didSendEndStream(streamID: UInt32) {
        guard let index = streams.index(forKey: streamID) else { return }
        streams.values[index].sendEndStream()
        switch streams.values[index].state {
        case .closed:
            removeStream(streamID, closure: .finished)
        case .halfClosedLocal where configuration.resetStreamsClosedBeforeRequestEnd:
            FrameEncoder.rstStream(streamID: streamID, errorCode: HTTP2ErrorCode.noError.rawValue, into: &output)
            removeStream(streamID, closure: .resetLocally)
        default:
            break
        }
    }
}
