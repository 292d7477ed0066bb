import HPACK

extension HTTP2ServerConnection {
    /// Processes bytes from the client: the connection preface first, then frames. `now` is the
    /// driver's monotonic clock in nanoseconds; it refills the flood budgets.
    public mutating func receive(_ bytes: ArraySlice<UInt8>, now: UInt64) -> [HTTP2Event] {
        self.now = max(self.now, now)
        return receive(bytes)
    }

    /// Processes bytes from the client with the clock where the previous call left it (budgets
    /// are not refilled).
    public mutating func receive(_ bytes: ArraySlice<UInt8>) -> [HTTP2Event] {
        var events: [HTTP2Event] = []
        guard failure == nil else { return events }
        controlBudget.refill(now: now)
        resetBudget.refill(now: now)
        var input = bytes
        if prefaceBytesMatched < http2ClientPreface.count {
            let count = min(http2ClientPreface.count - prefaceBytesMatched, input.count)
            let expected = http2ClientPreface[prefaceBytesMatched..<(prefaceBytesMatched + count)]
            // RFC 9113 §3.4: an invalid preface MUST be a connection error of type PROTOCOL_ERROR.
            guard input.prefix(count).elementsEqual(expected) else {
                failConnection(.connection(.protocolError, "invalid connection preface"), events: &events)
                return events
            }
            prefaceBytesMatched += count
            input = input.dropFirst(count)
            guard prefaceBytesMatched == http2ClientPreface.count else { return events }
        }
        frameDecoder.append(input)
        windowGrew = false
        while failure == nil {
            do {
                guard let frame = try frameDecoder.nextFrame() else { break }
                try handle(frame, events: &events)
            } catch {
                switch error.scope {
                case .connection:
                    failConnection(error, events: &events)
                case .stream(let id):
                    // Every stream error costs a reset: a flood of bad frames that each draw a
                    // RST_STREAM is a flood of resets.
                    if resetBudget.take() {
                        failStream(id, code: error.code, events: &events)
                    } else {
                        failConnection(.connection(.enhanceYourCalm, "too many stream errors"), events: &events)
                    }
                }
            }
        }
        if windowGrew, failure == nil, queuedDataTotal > 0 {
            events.append(.windowAvailable)
        }
        return events
    }

    mutating func handle(_ frame: HTTP2Frame, events: inout [HTTP2Event]) throws(HTTP2Error) {
        try chargeBudgets(for: frame)
        // RFC 9113 §6.10 / §4.3: a field block is a contiguous sequence of frames; any other
        // frame (or a CONTINUATION of another stream) MUST be a PROTOCOL_ERROR.
        if var block = pendingHeaderBlock {
            guard case .continuation(let id, let fragment, let endHeaders) = frame, id == block.streamID else {
                throw .connection(.protocolError, "frame interleaved in a header block")
            }
            pendingHeaderBlock = nil
            block.continuations += 1
            // CVE-2024-27316: bound both the frames and the octets of one field block.
            guard block.continuations <= configuration.maxContinuationFrames else {
                throw .connection(.enhanceYourCalm, "too many CONTINUATION frames")
            }
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
        // RFC 9113 §3.4: the client preface is followed by a SETTINGS frame.
        if !receivedFirstSettings {
            guard case .settings(ack: false, _) = frame else {
                throw .connection(.protocolError, "first frame is not SETTINGS")
            }
        }
        switch frame {
        case .data(let id, let bytes, let endStream, let flowControlledLength):
            try receiveData(streamID: id, bytes: bytes, endStream: endStream, flowControlledLength: flowControlledLength,
                            events: &events)

        case .headers(let id, let block, let endStream, let endHeaders, let priority):
            let pending = PendingHeaderBlock(streamID: id, endStream: endStream, priority: priority, bytes: block)
            guard block.count <= maxHeaderBlockBytes else {
                throw .connection(.enhanceYourCalm, "header block too large")
            }
            if endHeaders {
                try receiveHeaderBlock(pending, events: &events)
            } else {
                pendingHeaderBlock = pending
            }

        case .priority(let id, let priority):
            // RFC 9113 §5.3.1: a stream cannot depend on itself (stream PROTOCOL_ERROR).
            // Otherwise PRIORITY is ignored and does not change stream state.
            if priority.dependency == id {
                throw .stream(id, .protocolError, "stream depends on itself")
            }

        case .rstStream(let id, let code):
            try receiveRstStream(streamID: id, code: code, events: &events)

        case .settings(let ack, let settings):
            if ack {
                receiveSettingsAck()
            } else {
                try receiveSettings(settings)
            }

        case .pushPromise:
            // RFC 9113 §8.4: a client cannot push; PUSH_PROMISE → connection PROTOCOL_ERROR.
            throw .connection(.protocolError, "PUSH_PROMISE from client")

        case .ping(let ack, let data):
            // RFC 9113 §6.7: answer with an ACK carrying the same payload; ignore ACKs.
            if !ack {
                FrameEncoder.ping(data: data, ack: true, into: &output)
            }

        case .goAway(let lastStreamID, let code, _):
            goAwayReceived = true
            events.append(.goAway(lastStreamID: lastStreamID, code: HTTP2ErrorCode(peerValue: code)))

        case .windowUpdate(let id, let increment):
            try receiveWindowUpdate(streamID: id, increment: increment)

        case .continuation:
            // §6.10: CONTINUATION not preceded by HEADERS/CONTINUATION without END_HEADERS.
            throw .connection(.protocolError, "unexpected CONTINUATION")

        case .unknown:
            // RFC 9113 §5.5: unknown frame types are ignored.
            break
        }
    }

    /// Bound on a buffered (compressed) header block: the configured maximum, and never more than
    /// twice SETTINGS_MAX_HEADER_LIST_SIZE (HPACK never makes a field list larger; floor 16 KiB).
    var maxHeaderBlockBytes: Int {
        min(configuration.maxHeaderBlockBytes, max(Int(configuration.maxHeaderListSize) * 2, 16384))
    }

    // MARK: DATA

    mutating func receiveData(
        streamID: UInt32, bytes: [UInt8], endStream: Bool, flowControlledLength: Int, events: inout [HTTP2Event]
    ) throws(HTTP2Error) {
        // RFC 9113 §6.9: DATA counts against the connection window whatever the stream state;
        // exceeding it is a FLOW_CONTROL_ERROR.
        guard connectionReceiveWindow.consume(flowControlledLength) else {
            throw .connection(.flowControlError, "connection receive window exceeded")
        }
        pendingConnectionCredit += flowControlledLength
        if pendingConnectionCredit > 0, pendingConnectionCredit >= Int(configuration.connectionWindowSize) / 2 {
            FrameEncoder.windowUpdate(streamID: 0, increment: UInt32(pendingConnectionCredit), into: &output)
            _ = connectionReceiveWindow.adjust(by: pendingConnectionCredit)
            pendingConnectionCredit = 0
        }

        guard let index = streams.index(forKey: streamID) else {
            // §6.1: DATA on an idle stream → connection PROTOCOL_ERROR.
            if streamID > highestPeerStreamID {
                throw .connection(.protocolError, "DATA on idle stream \(streamID)")
            }
            switch closedStreams[streamID] {
            case .resetLocally:
                // §5.1: frames on a stream we reset are ignored.
                return
            case .finished:
                // §5.1: frames after END_STREAM on a closed stream → connection STREAM_CLOSED.
                throw .connection(.streamClosed, "DATA on closed stream \(streamID)")
            case .resetByPeer, nil:
                // §5.1: frames after the peer's RST_STREAM → stream STREAM_CLOSED.
                throw .stream(streamID, .streamClosed, "DATA on closed stream")
            }
        }
        // §5.1: DATA on a half-closed (remote) stream → STREAM_CLOSED.
        guard streams.values[index].isRemoteOpen else {
            throw .stream(streamID, .streamClosed, "DATA after END_STREAM")
        }
        guard streams.values[index].receiveWindow.consume(flowControlledLength) else {
            throw .stream(streamID, .flowControlError, "stream receive window exceeded")
        }
        streams.values[index].receivedDataLength += bytes.count
        let received = streams.values[index].receivedDataLength
        // §8.1.1: content-length not matching the DATA payload → malformed (PROTOCOL_ERROR).
        if let expected = streams.values[index].expectedContentLength {
            guard received <= expected, !endStream || received == expected else {
                throw .stream(streamID, .protocolError, "content-length mismatch")
            }
        }
        if endStream {
            streams.values[index].receiveEndStream()
        } else {
            streams.values[index].pendingReceiveCredit += flowControlledLength
            let credit = streams.values[index].pendingReceiveCredit
            if credit > 0, credit >= streamReceiveWindowSize / 2 {
                FrameEncoder.windowUpdate(streamID: streamID, increment: UInt32(credit), into: &output)
                _ = streams.values[index].receiveWindow.adjust(by: credit)
                streams.values[index].pendingReceiveCredit = 0
            }
        }
        let closed = streams.values[index].state == .closed
        events.append(.data(streamID: streamID, bytes: bytes, endStream: endStream))
        if closed { removeStream(streamID, closure: .finished) }
    }

    // MARK: RST_STREAM, WINDOW_UPDATE, SETTINGS

    mutating func receiveRstStream(streamID: UInt32, code: UInt32, events: inout [HTTP2Event]) throws(HTTP2Error) {
        // RFC 9113 §6.4: RST_STREAM on an idle stream → connection PROTOCOL_ERROR.
        guard streamID <= highestPeerStreamID else {
            throw .connection(.protocolError, "RST_STREAM on idle stream \(streamID)")
        }
        if removeStream(streamID, closure: .resetByPeer) {
            events.append(.streamReset(streamID: streamID, code: HTTP2ErrorCode(peerValue: code)))
        }
    }

    mutating func receiveWindowUpdate(streamID: UInt32, increment: UInt32) throws(HTTP2Error) {
        if streamID == 0 {
            // RFC 9113 §6.9: increment 0 → PROTOCOL_ERROR; window above 2^31-1 → FLOW_CONTROL_ERROR.
            guard increment > 0 else { throw .connection(.protocolError, "WINDOW_UPDATE increment 0") }
            guard connectionSendWindow.adjust(by: Int(increment)) else {
                throw .connection(.flowControlError, "connection send window overflow")
            }
            windowGrew = true
            return
        }
        guard streamID <= highestPeerStreamID else {
            throw .connection(.protocolError, "WINDOW_UPDATE on idle stream \(streamID)")
        }
        guard increment > 0 else { throw .stream(streamID, .protocolError, "WINDOW_UPDATE increment 0") }
        // WINDOW_UPDATE on closed streams is allowed and ignored (§5.1).
        guard let index = streams.index(forKey: streamID) else { return }
        guard streams.values[index].sendWindow.adjust(by: Int(increment)) else {
            throw .stream(streamID, .flowControlError, "stream send window overflow")
        }
        windowGrew = true
    }

    mutating func receiveSettings(_ settings: [HTTP2Setting]) throws(HTTP2Error) {
        for setting in settings {
            let previousWindow = peerSettings.initialWindowSize
            try peerSettings.apply(setting)
            switch setting.identifier {
            case HTTP2SettingID.initialWindowSize:
                // RFC 9113 §6.9.2: apply the delta to every stream send window (may go
                // negative); exceeding 2^31-1 is a connection FLOW_CONTROL_ERROR.
                let delta = Int(peerSettings.initialWindowSize) - Int(previousWindow)
                guard delta != 0 else { break }
                var index = streams.startIndex
                while index != streams.endIndex {
                    guard streams.values[index].sendWindow.adjust(by: delta) else {
                        throw .connection(.flowControlError, "INITIAL_WINDOW_SIZE change overflows a window")
                    }
                    index = streams.index(after: index)
                }
                if delta > 0 { windowGrew = true }
            case HTTP2SettingID.headerTableSize:
                headerEncoder.setPeerMaxTableSize(Int(peerSettings.headerTableSize))
            default:
                break
            }
        }
        receivedFirstSettings = true
        // §6.5.3: acknowledge once the values are applied.
        FrameEncoder.settingsAck(into: &output)
    }

    mutating func receiveSettingsAck() {
        guard !ourSettingsAcknowledged else { return }
        ourSettingsAcknowledged = true
        // Now the peer knows our HEADER_TABLE_SIZE; a lower limit becomes enforceable.
        if Int(configuration.headerTableSize) < headerDecoder.maxTableSize {
            headerDecoder.setMaxTableSize(Int(configuration.headerTableSize))
        }
    }
}
