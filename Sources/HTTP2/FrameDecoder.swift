/// Incremental HTTP/2 frame parser (RFC 9113 §4, §6).
///
/// Feed bytes with `append`, then call `nextFrame` until it returns nil ("need more bytes").
/// The decoder checks everything that can be judged from a single frame: lengths, stream 0
/// rules, padding. Errors thrown with stream scope (only a PRIORITY frame of bad length) leave
/// the decoder usable: the offending frame is consumed. After a connection-scope error the
/// decoder must not be used again.
///
/// Memory: the decoder buffers at most one partial frame (≤ 9 + `maxFrameSize` octets) plus
/// whatever was appended beyond it.
public struct FrameDecoder: Sendable {
    /// Largest payload accepted (our SETTINGS_MAX_FRAME_SIZE).
    public var maxFrameSize: UInt32
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maxFrameSize: UInt32 = 16384) {
        self.maxFrameSize = maxFrameSize
    }

    /// Octets appended but not yet consumed by `nextFrame`.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame, or nil when more bytes are needed.
    public mutating func nextFrame() throws(HTTP2Error) -> HTTP2Frame? {
        guard buffer.count - readIndex >= http2FrameHeaderLength else { return nil }
        let start = readIndex
        let length = Int(buffer[start]) << 16 | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2])
        let type = buffer[start + 3]
        let flags = buffer[start + 4]
        // §4.1: the reserved bit MUST be ignored when receiving.
        let streamID = readUInt32(buffer[(start + 5)...]) & 0x7FFF_FFFF
        // §4.2: a frame exceeding SETTINGS_MAX_FRAME_SIZE → FRAME_SIZE_ERROR.
        guard length <= Int(maxFrameSize) else {
            throw .connection(.frameSizeError, "frame of \(length) octets exceeds maximum \(maxFrameSize)")
        }
        // Connection errors visible in the frame header are reported at once, without waiting
        // for a payload that may never come (a SETTINGS frame of length 9 is wrong already).
        try Self.checkHeader(type: type, flags: flags, streamID: streamID, length: length)
        let payloadStart = start + http2FrameHeaderLength
        guard buffer.count - payloadStart >= length else { return nil }
        readIndex = payloadStart + length
        return try Self.parse(type: type, flags: flags, streamID: streamID,
                              payload: buffer[payloadStart..<(payloadStart + length)])
    }

    /// The connection-scope checks of `parse` that need only the frame header, in the same order.
    static func checkHeader(type: UInt8, flags: UInt8, streamID: UInt32, length: Int) throws(HTTP2Error) {
        switch type {
        case HTTP2FrameType.data, HTTP2FrameType.headers, HTTP2FrameType.priority, HTTP2FrameType.pushPromise,
            HTTP2FrameType.continuation:
            // §6.1, §6.2, §6.3, §6.6, §6.10: these frames MUST be associated with a stream.
            guard streamID != 0 else {
                let name = ["DATA", "HEADERS", "PRIORITY", "", "", "PUSH_PROMISE", "", "", "", "CONTINUATION"][Int(type)]
                throw .connection(.protocolError, "\(name) on stream 0")
            }
        case HTTP2FrameType.rstStream:
            guard streamID != 0 else { throw .connection(.protocolError, "RST_STREAM on stream 0") }
            guard length == 4 else { throw .connection(.frameSizeError, "RST_STREAM length \(length)") }
        case HTTP2FrameType.settings:
            guard streamID == 0 else { throw .connection(.protocolError, "SETTINGS on stream \(streamID)") }
            if flags & HTTP2FrameFlags.ack != 0 {
                guard length == 0 else { throw .connection(.frameSizeError, "SETTINGS ACK with payload") }
            }
            guard length % 6 == 0 else { throw .connection(.frameSizeError, "SETTINGS length \(length)") }
        case HTTP2FrameType.ping:
            guard streamID == 0 else { throw .connection(.protocolError, "PING on stream \(streamID)") }
            guard length == 8 else { throw .connection(.frameSizeError, "PING length \(length)") }
        case HTTP2FrameType.goAway:
            guard streamID == 0 else { throw .connection(.protocolError, "GOAWAY on stream \(streamID)") }
            guard length >= 8 else { throw .connection(.frameSizeError, "GOAWAY length \(length)") }
        case HTTP2FrameType.windowUpdate:
            guard length == 4 else { throw .connection(.frameSizeError, "WINDOW_UPDATE length \(length)") }
        default:
            break
        }
    }

    static func parse(
        type: UInt8, flags: UInt8, streamID: UInt32, payload: ArraySlice<UInt8>
    ) throws(HTTP2Error) -> HTTP2Frame {
        switch type {
        case HTTP2FrameType.data:
            // §6.1: DATA frames MUST be associated with a stream.
            guard streamID != 0 else { throw .connection(.protocolError, "DATA on stream 0") }
            let content = try unpad(payload, flags: flags, extraPrefix: 0)
            return .data(streamID: streamID, bytes: Array(content), endStream: flags & HTTP2FrameFlags.endStream != 0,
                         flowControlledLength: payload.count)

        case HTTP2FrameType.headers:
            // §6.2: HEADERS frames MUST be associated with a stream.
            guard streamID != 0 else { throw .connection(.protocolError, "HEADERS on stream 0") }
            let hasPriority = flags & HTTP2FrameFlags.priority != 0
            var content = try unpad(payload, flags: flags, extraPrefix: hasPriority ? 5 : 0)
            var priority: HTTP2PriorityInfo?
            if hasPriority {
                priority = readPriority(content)
                content = content.dropFirst(5)
            }
            return .headers(streamID: streamID, headerBlock: Array(content),
                            endStream: flags & HTTP2FrameFlags.endStream != 0,
                            endHeaders: flags & HTTP2FrameFlags.endHeaders != 0, priority: priority)

        case HTTP2FrameType.priority:
            // §6.3: stream 0 → PROTOCOL_ERROR; length other than 5 → stream FRAME_SIZE_ERROR.
            guard streamID != 0 else { throw .connection(.protocolError, "PRIORITY on stream 0") }
            guard payload.count == 5 else { throw .stream(streamID, .frameSizeError, "PRIORITY length \(payload.count)") }
            return .priority(streamID: streamID, readPriority(payload))

        case HTTP2FrameType.rstStream:
            // §6.4: stream 0 → PROTOCOL_ERROR; length other than 4 → FRAME_SIZE_ERROR.
            guard streamID != 0 else { throw .connection(.protocolError, "RST_STREAM on stream 0") }
            guard payload.count == 4 else { throw .connection(.frameSizeError, "RST_STREAM length \(payload.count)") }
            return .rstStream(streamID: streamID, errorCode: readUInt32(payload))

        case HTTP2FrameType.settings:
            // §6.5: non-zero stream → PROTOCOL_ERROR; ACK with payload or length not a
            // multiple of 6 → FRAME_SIZE_ERROR.
            guard streamID == 0 else { throw .connection(.protocolError, "SETTINGS on stream \(streamID)") }
            let ack = flags & HTTP2FrameFlags.ack != 0
            if ack {
                guard payload.isEmpty else { throw .connection(.frameSizeError, "SETTINGS ACK with payload") }
                return .settings(ack: true, [])
            }
            guard payload.count % 6 == 0 else { throw .connection(.frameSizeError, "SETTINGS length \(payload.count)") }
            var settings: [HTTP2Setting] = []
            settings.reserveCapacity(payload.count / 6)
            var index = payload.startIndex
            while index < payload.endIndex {
                let identifier = UInt16(payload[index]) << 8 | UInt16(payload[index + 1])
                settings.append(HTTP2Setting(identifier, readUInt32(payload[(index + 2)...])))
                index += 6
            }
            return .settings(ack: false, settings)

        case HTTP2FrameType.pushPromise:
            guard streamID != 0 else { throw .connection(.protocolError, "PUSH_PROMISE on stream 0") }
            let content = try unpad(payload, flags: flags, extraPrefix: 4)
            return .pushPromise(streamID: streamID, promisedStreamID: readUInt32(content) & 0x7FFF_FFFF,
                                headerBlock: Array(content.dropFirst(4)),
                                endHeaders: flags & HTTP2FrameFlags.endHeaders != 0)

        case HTTP2FrameType.ping:
            // §6.7: non-zero stream → PROTOCOL_ERROR; length other than 8 → FRAME_SIZE_ERROR.
            guard streamID == 0 else { throw .connection(.protocolError, "PING on stream \(streamID)") }
            guard payload.count == 8 else { throw .connection(.frameSizeError, "PING length \(payload.count)") }
            let data = UInt64(readUInt32(payload)) << 32 | UInt64(readUInt32(payload.dropFirst(4)))
            return .ping(ack: flags & HTTP2FrameFlags.ack != 0, data: data)

        case HTTP2FrameType.goAway:
            // §6.8: non-zero stream → PROTOCOL_ERROR.
            guard streamID == 0 else { throw .connection(.protocolError, "GOAWAY on stream \(streamID)") }
            guard payload.count >= 8 else { throw .connection(.frameSizeError, "GOAWAY length \(payload.count)") }
            return .goAway(lastStreamID: readUInt32(payload) & 0x7FFF_FFFF, errorCode: readUInt32(payload.dropFirst(4)),
                           debugData: Array(payload.dropFirst(8)))

        case HTTP2FrameType.windowUpdate:
            // §6.9: length other than 4 → FRAME_SIZE_ERROR (connection).
            guard payload.count == 4 else { throw .connection(.frameSizeError, "WINDOW_UPDATE length \(payload.count)") }
            return .windowUpdate(streamID: streamID, increment: readUInt32(payload) & 0x7FFF_FFFF)

        case HTTP2FrameType.continuation:
            // §6.10: CONTINUATION frames MUST be associated with a stream.
            guard streamID != 0 else { throw .connection(.protocolError, "CONTINUATION on stream 0") }
            return .continuation(streamID: streamID, headerBlock: Array(payload),
                                 endHeaders: flags & HTTP2FrameFlags.endHeaders != 0)

        default:
            return .unknown(type: type, flags: flags, streamID: streamID, payload: Array(payload))
        }
    }

    /// Strips padding (§6.1, §6.2, §6.6). `extraPrefix` is the number of fixed octets that follow
    /// the pad length and must fit before the padding.
    private static func unpad(
        _ payload: ArraySlice<UInt8>, flags: UInt8, extraPrefix: Int
    ) throws(HTTP2Error) -> ArraySlice<UInt8> {
        guard flags & HTTP2FrameFlags.padded != 0 else {
            guard payload.count >= extraPrefix else {
                throw .connection(.frameSizeError, "frame too short for its fixed fields")
            }
            return payload
        }
        guard let padLength = payload.first else { throw .connection(.frameSizeError, "padded frame without pad length") }
        let rest = payload.count - 1
        guard rest >= extraPrefix else { throw .connection(.frameSizeError, "frame too short for its fixed fields") }
        // Padding that is the length of the payload or more (§6.1), or that exceeds the room
        // left for the field block fragment (§6.2), MUST be treated as a PROTOCOL_ERROR.
        guard Int(padLength) <= rest - extraPrefix else {
            throw .connection(.protocolError, "pad length \(padLength) too large for payload \(payload.count)")
        }
        return payload.dropFirst().dropLast(Int(padLength))
    }

    private static func readPriority(_ bytes: ArraySlice<UInt8>) -> HTTP2PriorityInfo {
        let word = readUInt32(bytes)
        let weight = bytes[bytes.startIndex + 4]
        return HTTP2PriorityInfo(exclusive: word & 0x8000_0000 != 0, dependency: word & 0x7FFF_FFFF, weight: weight)
    }
}

/// Reads a big-endian UInt32 from the first four octets of `bytes` (caller guarantees length).
@inline(__always)
func readUInt32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    let i = bytes.startIndex
    return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
}
