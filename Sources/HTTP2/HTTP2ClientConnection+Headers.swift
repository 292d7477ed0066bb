import HPACK

extension HTTP2ClientConnection {
    /// Handles a complete response header block: the response head (after any 1xx blocks) or
    /// the trailers.
    mutating func receiveHeaderBlock(_ block: PendingHeaderBlock, events: inout [HTTP2ClientEvent]) throws(HTTP2Error) {
        let streamID = block.streamID
        // Decode first, always, to keep the HPACK state in sync (RFC 9113 §4.3).
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
        guard !isIdleOnWire(streamID) else {
            // Even ids would be pushed streams (push is off); odd ones we never opened are idle.
            throw .connection(.protocolError, "HEADERS on idle stream \(streamID)")
        }
        guard let index = streams.index(forKey: streamID) else {
            if closedStreams.contains(streamID) { throw .stream(streamID, .streamClosed, "HEADERS on closed stream") }
            return  // a stream we reset: late frames are ignored (§5.1)
        }
        guard !listTooLarge else {
            throw .stream(streamID, .protocolError, "peer header list size exceeded limit")
        }
        if streams.values[index].responseReceived {
            // §8.1: a block after the final response head is the trailer section and MUST end
            // the stream (gRPC: "a HEADERS frame cannot appear in the middle of a stream").
            guard block.endStream else {
                throw .stream(streamID, .protocolError, "a HEADERS frame cannot appear in the middle of a stream")
            }
            if let reason = HeaderValidation.validateTrailers(fields) {
                throw .stream(streamID, .protocolError, reason)
            }
            events.append(.trailers(streamID: streamID, fields: fields))
            remoteEnded(streamID)
            return
        }
        switch ResponseHeaderValidation.validateResponse(fields) {
        case .malformed(let reason):
            throw .stream(streamID, .protocolError, reason)
        case .valid(let status) where status >= 100 && status < 200:
            // §8.1: informational responses precede the final one and never end the stream.
            guard !block.endStream else {
                throw .stream(streamID, .protocolError,
                              "protocol error: informational header with status code \(status) must not have END_STREAM set")
            }
            return
        case .valid:
            streams.values[index].responseReceived = true
            events.append(.response(streamID: streamID, fields: fields, endStream: block.endStream))
            if block.endStream { remoteEnded(streamID) }
        }
    }
}
