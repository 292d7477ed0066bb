import HPACK

extension HTTP2ServerConnection {
    /// Handles a complete header block: request headers opening a stream, or trailers.
    mutating func receiveHeaderBlock(_ block: PendingHeaderBlock, events: inout [HTTP2Event]) throws(HTTP2Error) {
        let streamID = block.streamID
        // Always decode first to keep the HPACK state in sync, even for blocks we then
        // refuse (RFC 9113 §4.3). Decoding errors are COMPRESSION_ERROR connection errors.
        var fields: [HeaderField] = []
        var listTooLarge = false
        do {
            fields = try headerDecoder.decode(block.bytes[...])
        } catch {
            if case .headerListTooLarge = error {
                listTooLarge = true
            } else {
                throw .connection(.compressionError, "HPACK: \(error)")
            }
        }
        // RFC 9113 §5.1.1: client streams use odd identifiers.
        guard streamID & 1 == 1 else {
            throw .connection(.protocolError, "even stream id \(streamID) from client")
        }
        if let index = streams.index(forKey: streamID) {
            try receiveTrailers(fields, index: index, block: block, listTooLarge: listTooLarge, events: &events)
            return
        }
        if streamID <= highestPeerStreamID {
            switch closedStreams[streamID] {
            case .resetLocally:
                // Late header block (e.g. trailers in flight) on a stream we reset: ignore.
                return
            case .finished:
                // §5.1: a frame after END_STREAM on a closed stream → connection STREAM_CLOSED.
                throw .connection(.streamClosed, "HEADERS on closed stream \(streamID)")
            case .resetByPeer:
                // §5.1: a frame after the peer's RST_STREAM → stream STREAM_CLOSED.
                throw .stream(streamID, .streamClosed, "HEADERS on closed stream")
            case nil:
                // §5.1.1: a new stream id must be greater than all previous ones.
                throw .connection(.protocolError, "stream id \(streamID) not increasing")
            }
        }
        // A new stream: idle → open / half-closed (remote).
        highestPeerStreamID = streamID
        if block.priority?.dependency == streamID {
            throw .stream(streamID, .protocolError, "stream depends on itself")
        }
        if goAwaySent || goAwayReceived {
            throw .stream(streamID, .refusedStream, "connection is going away")
        }
        // §5.1.2: beyond our SETTINGS_MAX_CONCURRENT_STREAMS → REFUSED_STREAM.
        guard streams.count < Int(configuration.maxConcurrentStreams) else {
            throw .stream(streamID, .refusedStream, "too many concurrent streams")
        }
        guard !listTooLarge else {
            throw .stream(streamID, .protocolError, "header list larger than SETTINGS_MAX_HEADER_LIST_SIZE")
        }
        let contentLength: Int?
        switch HeaderValidation.validateRequest(fields) {
        case .valid(let length):
            contentLength = length
        case .malformed(let reason):
            // §8.1.1: malformed requests → stream error PROTOCOL_ERROR.
            throw .stream(streamID, .protocolError, reason)
        }
        if block.endStream, let contentLength, contentLength != 0 {
            throw .stream(streamID, .protocolError, "content-length mismatch")
        }
        var stream = HTTP2Stream(
            id: streamID, endStream: block.endStream,
            sendWindow: Int(peerSettings.initialWindowSize), receiveWindow: streamReceiveWindowSize)
        stream.expectedContentLength = contentLength
        streams[streamID] = stream
        lastProcessedStreamID = streamID
        events.append(.headers(streamID: streamID, fields: fields, endStream: block.endStream))
    }

    private mutating func receiveTrailers(
        _ fields: [HeaderField], index: Dictionary<UInt32, HTTP2Stream>.Index, block: PendingHeaderBlock,
        listTooLarge: Bool, events: inout [HTTP2Event]
    ) throws(HTTP2Error) {
        let streamID = block.streamID
        // §5.1: HEADERS on a half-closed (remote) stream → STREAM_CLOSED.
        guard streams.values[index].isRemoteOpen else {
            throw .stream(streamID, .streamClosed, "HEADERS after END_STREAM")
        }
        if block.priority?.dependency == streamID {
            throw .stream(streamID, .protocolError, "stream depends on itself")
        }
        // §8.1: a second field block (trailers) MUST carry END_STREAM.
        guard block.endStream else {
            throw .stream(streamID, .protocolError, "trailers without END_STREAM")
        }
        guard !listTooLarge else {
            throw .stream(streamID, .protocolError, "trailer list larger than SETTINGS_MAX_HEADER_LIST_SIZE")
        }
        if let reason = HeaderValidation.validateTrailers(fields) {
            throw .stream(streamID, .protocolError, reason)
        }
        if let expected = streams.values[index].expectedContentLength,
            expected != streams.values[index].receivedDataLength
        {
            throw .stream(streamID, .protocolError, "content-length mismatch")
        }
        streams.values[index].receiveEndStream()
        let closed = streams.values[index].state == .closed
        events.append(.headers(streamID: streamID, fields: fields, endStream: true))
        if closed { removeStream(streamID, closure: .finished) }
    }
}
