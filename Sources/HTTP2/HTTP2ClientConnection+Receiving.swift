import HPACK

extension HTTP2ClientConnection {
    /// Processes bytes from the server.
    public mutating func receive(_ bytes: ArraySlice<UInt8>) -> [HTTP2ClientEvent] {
        var events: [HTTP2ClientEvent] = []
        guard failure == nil else { return events }
        frameDecoder.append(bytes)
        while failure == nil {
            do {
                guard let frame = try frameDecoder.nextFrame() else { break }
                try handle(frame, events: &events)
            } catch {
                switch error.scope {
                case .connection:
                    failConnection(error, events: &events)
                case .stream(let id):
                    failStream(id, error, events: &events)
                }
            }
        }
        return events
    }

    mutating func handle(_ frame: HTTP2Frame, events: inout [HTTP2ClientEvent]) throws(HTTP2Error) {
        // RFC 9113 §6.10 / §4.3: a field block is a contiguous sequence of frames.
        if var block = pendingHeaderBlock {
            guard case .continuation(let id, let fragment, let endHeaders) = frame, id == block.streamID else {
                throw .connection(.protocolError, "frame interleaved in a header block")
            }
            pendingHeaderBlock = nil
            guard block.bytes.count + fragment.count <= maxHeaderBlockBytes else {
                throw .connection(.enhanceYourCalm, "header block too large")
            }
            block.bytes += fragment
            if endHeaders {
                try receiveHeaderBlock(block, events: &events)
            } else {
                pendingHeaderBlock = block
            }
            return
        }
        // RFC 9113 §3.4: the server connection preface is a SETTINGS frame (grpc-go refuses
        // anything else: "initial http2 frame from server is not a settings frame").
        if !receivedServerSettings {
            guard case .settings(ack: false, _) = frame else {
                throw .connection(.protocolError, "initial http2 frame from server is not a settings frame")
            }
        }
        switch frame {
        case .data(let id, let bytes, let endStream, let flowControlledLength):
            try receiveData(streamID: id, bytes: bytes, endStream: endStream,
                            flowControlledLength: flowControlledLength, events: &events)

        case .headers(let id, let block, let endStream, let endHeaders, _):
            guard block.count <= maxHeaderBlockBytes else {
                throw .connection(.enhanceYourCalm, "header block too large")
            }
            let pending = PendingHeaderBlock(streamID: id, endStream: endStream, bytes: block)
            if endHeaders {
                try receiveHeaderBlock(pending, events: &events)
            } else {
                pendingHeaderBlock = pending
            }

        case .priority:
            // Deprecated (§5.3.2) and ignored; allowed in any stream state.
            break

        case .rstStream(let id, let code):
            // §6.4: RST_STREAM on an idle stream → connection PROTOCOL_ERROR.
            guard !isIdleOnWire(id) else {
                throw .connection(.protocolError, "RST_STREAM on idle stream \(id)")
            }
            if removeStream(id, reset: true) {
                events.append(.streamClosed(streamID: id, reason: .reset(HTTP2ErrorCode(peerValue: code))))
            }

        case .settings(let ack, let settings):
            if ack {
                ourSettingsAcknowledged = true
            } else {
                try receiveSettings(settings, events: &events)
            }

        case .pushPromise:
            // §8.4 / §6.6: we sent SETTINGS_ENABLE_PUSH 0, so PUSH_PROMISE is a PROTOCOL_ERROR.
            throw .connection(.protocolError, "PUSH_PROMISE with push disabled")

        case .ping(let ack, let data):
            // §6.7: answer with an ACK carrying the same payload.
            if ack {
                events.append(.pingAcknowledged(data: data))
            } else {
                FrameEncoder.ping(data: data, ack: true, into: &output)
            }

        case .goAway(let lastStreamID, let code, let debugData):
            receiveGoAway(lastStreamID: lastStreamID, code: HTTP2ErrorCode(peerValue: code), debugData: debugData,
                          events: &events)

        case .windowUpdate(let id, let increment):
            try receiveWindowUpdate(streamID: id, increment: increment)

        case .continuation:
            throw .connection(.protocolError, "unexpected CONTINUATION")

        case .unknown:
            // §5.5: unknown frame types are ignored.
            break
        }
    }

    /// Bound on a buffered (compressed) header block.
    var maxHeaderBlockBytes: Int { max(Int(configuration.maxHeaderListSize) * 2, 16384) }

    // MARK: DATA

    mutating func receiveData(
        streamID: UInt32, bytes: [UInt8], endStream: Bool, flowControlledLength: Int, events: inout [HTTP2ClientEvent]
    ) throws(HTTP2Error) {
        // §6.9: DATA counts against the connection window whatever the stream state.
        guard connectionReceiveWindow.consume(flowControlledLength) else {
            throw .connection(.flowControlError, "connection receive window exceeded")
        }
        pendingConnectionCredit += flowControlledLength
        if pendingConnectionCredit > 0,
            pendingConnectionCredit >= Int(configuration.connectionWindowSize) / configuration.windowUpdateDivisor
        {
            FrameEncoder.windowUpdate(streamID: 0, increment: UInt32(pendingConnectionCredit), into: &output)
            _ = connectionReceiveWindow.adjust(by: pendingConnectionCredit)
            pendingConnectionCredit = 0
        }
        guard let index = streams.index(forKey: streamID), streams.values[index].isOpen else {
            // §6.1: DATA on an idle stream → connection PROTOCOL_ERROR.
            if isIdleOnWire(streamID) { throw .connection(.protocolError, "DATA on idle stream \(streamID)") }
            // §5.1: frames on a stream we reset are ignored; on a closed one, STREAM_CLOSED.
            if closedStreams.contains(streamID) { throw .stream(streamID, .streamClosed, "DATA on closed stream") }
            return
        }
        // §8.1: DATA comes after the response header block.
        guard streams.values[index].responseReceived else {
            throw .stream(streamID, .protocolError, "DATA before response headers")
        }
        guard streams.values[index].receiveWindow.consume(flowControlledLength) else {
            throw .stream(streamID, .flowControlError, "stream receive window exceeded")
        }
        if endStream {
            events.append(.data(streamID: streamID, bytes: bytes, endStream: true))
            remoteEnded(streamID)
            return
        }
        // Padding never reaches the application: its credit goes back at once.
        if streams.values[index].manualFlowControl {
            streams.values[index].unreleasedBytes += bytes.count
            addStreamCredit(at: index, flowControlledLength - bytes.count)
        } else {
            addStreamCredit(at: index, flowControlledLength)
        }
        events.append(.data(streamID: streamID, bytes: bytes, endStream: false))
    }

    /// Accumulates stream credit and emits a WINDOW_UPDATE once a share of the window is used.
    mutating func addStreamCredit(at index: Dictionary<UInt32, HTTP2ClientStream>.Index, _ amount: Int) {
        guard amount > 0 else { return }
        streams.values[index].pendingReceiveCredit += amount
        let credit = streams.values[index].pendingReceiveCredit
        if credit >= max(streamReceiveWindowSize / configuration.windowUpdateDivisor, 1) {
            FrameEncoder.windowUpdate(streamID: streams.values[index].id, increment: UInt32(credit), into: &output)
            _ = streams.values[index].receiveWindow.adjust(by: credit)
            streams.values[index].pendingReceiveCredit = 0
        }
    }

    /// The server ended its side. If ours is still open, reset it with NO_ERROR like grpc-go
    /// (the response is complete; what we still had to send is moot), so both ends free it.
    mutating func remoteEnded(_ streamID: UInt32) {
        guard let stream = streams[streamID] else { return }
        if stream.localClosed {
            removeStream(streamID, reset: false)
        } else {
            FrameEncoder.rstStream(streamID: streamID, errorCode: HTTP2ErrorCode.noError.rawValue, into: &output)
            removeStream(streamID, reset: true)
        }
    }

    // MARK: SETTINGS, WINDOW_UPDATE, GOAWAY

    mutating func receiveSettings(_ settings: [HTTP2Setting], events: inout [HTTP2ClientEvent]) throws(HTTP2Error) {
        for setting in settings {
            let previousWindow = peerSettings.initialWindowSize
            try peerSettings.apply(setting)
            switch setting.identifier {
            case HTTP2SettingID.initialWindowSize:
                // §6.9.2: apply the delta to every open stream's send window (may go negative).
                let delta = Int(peerSettings.initialWindowSize) - Int(previousWindow)
                guard delta != 0 else { break }
                var index = streams.startIndex
                while index != streams.endIndex {
                    if streams.values[index].isOpen, !streams.values[index].sendWindow.adjust(by: delta) {
                        throw .connection(.flowControlError, "INITIAL_WINDOW_SIZE change overflows a window")
                    }
                    index = streams.index(after: index)
                }
            case HTTP2SettingID.headerTableSize:
                headerEncoder.setPeerMaxTableSize(Int(peerSettings.headerTableSize))
            default:
                break
            }
        }
        // §6.5.3: acknowledge once applied.
        FrameEncoder.settingsAck(into: &output)
        if !receivedServerSettings {
            receivedServerSettings = true
            events.append(.ready)
        }
    }

    mutating func receiveWindowUpdate(streamID: UInt32, increment: UInt32) throws(HTTP2Error) {
        if streamID == 0 {
            // §6.9: increment 0 → PROTOCOL_ERROR; window above 2^31-1 → FLOW_CONTROL_ERROR.
            guard increment > 0 else { throw .connection(.protocolError, "WINDOW_UPDATE increment 0") }
            guard connectionSendWindow.adjust(by: Int(increment)) else {
                throw .connection(.flowControlError, "connection send window overflow")
            }
            return
        }
        guard !isIdleOnWire(streamID) else {
            throw .connection(.protocolError, "WINDOW_UPDATE on idle stream \(streamID)")
        }
        guard increment > 0 else { throw .stream(streamID, .protocolError, "WINDOW_UPDATE increment 0") }
        // WINDOW_UPDATE on closed streams is allowed and ignored (§5.1).
        guard let index = streams.index(forKey: streamID) else { return }
        guard streams.values[index].sendWindow.adjust(by: Int(increment)) else {
            throw .stream(streamID, .flowControlError, "stream send window overflow")
        }
    }

    mutating func receiveGoAway(
        lastStreamID: UInt32, code: HTTP2ErrorCode, debugData: [UInt8], events: inout [HTTP2ClientEvent]
    ) {
        // §6.8: the last-stream-id may only decrease between GOAWAY frames; keep the lowest.
        let last = min(lastStreamID, goAwayLastStreamID ?? lastStreamID)
        goAwayLastStreamID = last
        // Streams above it were never processed: report them retryable, queued ones included.
        let unprocessed = streams.keys.filter { $0 > last }.sorted()
        for id in unprocessed {
            removeStream(id, reset: true)
            events.append(.streamClosed(streamID: id, reason: .notProcessed))
        }
        events.append(.goAway(lastStreamID: last, code: code, debugData: debugData))
    }
}
