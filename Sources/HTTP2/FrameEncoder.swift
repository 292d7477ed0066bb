/// Serialises HTTP/2 frames (RFC 9113 §4.1, §6) by appending to a byte buffer.
///
/// The helpers write exactly what they are given; callers (the connection) are responsible
/// for respecting the peer's SETTINGS_MAX_FRAME_SIZE and flow-control windows.
public enum FrameEncoder {
    /// Appends the 9-octet frame header.
    public static func frameHeader(length: Int, type: UInt8, flags: UInt8, streamID: UInt32, into out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(type)
        out.append(flags)
        appendUInt32(streamID & 0x7FFF_FFFF, into: &out)
    }

    public static func data(streamID: UInt32, bytes: ArraySlice<UInt8>, endStream: Bool, into out: inout [UInt8]) {
        frameHeader(length: bytes.count, type: HTTP2FrameType.data,
                    flags: endStream ? HTTP2FrameFlags.endStream : 0, streamID: streamID, into: &out)
        out.append(contentsOf: bytes)
    }

    /// Appends a HEADERS frame, followed by CONTINUATION frames when the block is larger than
    /// `maxFrameSize` (§6.10; END_HEADERS only on the last frame, END_STREAM on HEADERS).
    public static func headers(
        streamID: UInt32, headerBlock: [UInt8], endStream: Bool, maxFrameSize: Int, into out: inout [UInt8]
    ) {
        let chunk = max(maxFrameSize, 1)
        var offset = min(chunk, headerBlock.count)
        var flags: UInt8 = endStream ? HTTP2FrameFlags.endStream : 0
        if offset == headerBlock.count { flags |= HTTP2FrameFlags.endHeaders }
        frameHeader(length: offset, type: HTTP2FrameType.headers, flags: flags, streamID: streamID, into: &out)
        out.append(contentsOf: headerBlock[0..<offset])
        while offset < headerBlock.count {
            let end = min(offset + chunk, headerBlock.count)
            frameHeader(length: end - offset, type: HTTP2FrameType.continuation,
                        flags: end == headerBlock.count ? HTTP2FrameFlags.endHeaders : 0, streamID: streamID, into: &out)
            out.append(contentsOf: headerBlock[offset..<end])
            offset = end
        }
    }

    public static func settings(_ settings: [HTTP2Setting], into out: inout [UInt8]) {
        frameHeader(length: settings.count * 6, type: HTTP2FrameType.settings, flags: 0, streamID: 0, into: &out)
        for setting in settings {
            out.append(UInt8(truncatingIfNeeded: setting.identifier >> 8))
            out.append(UInt8(truncatingIfNeeded: setting.identifier))
            appendUInt32(setting.value, into: &out)
        }
    }

    public static func settingsAck(into out: inout [UInt8]) {
        frameHeader(length: 0, type: HTTP2FrameType.settings, flags: HTTP2FrameFlags.ack, streamID: 0, into: &out)
    }

    public static func ping(data: UInt64, ack: Bool, into out: inout [UInt8]) {
        frameHeader(length: 8, type: HTTP2FrameType.ping, flags: ack ? HTTP2FrameFlags.ack : 0, streamID: 0, into: &out)
        appendUInt32(UInt32(truncatingIfNeeded: data >> 32), into: &out)
        appendUInt32(UInt32(truncatingIfNeeded: data), into: &out)
    }

    public static func goAway(lastStreamID: UInt32, errorCode: UInt32, debugData: [UInt8], into out: inout [UInt8]) {
        frameHeader(length: 8 + debugData.count, type: HTTP2FrameType.goAway, flags: 0, streamID: 0, into: &out)
        appendUInt32(lastStreamID & 0x7FFF_FFFF, into: &out)
        appendUInt32(errorCode, into: &out)
        out.append(contentsOf: debugData)
    }

    public static func windowUpdate(streamID: UInt32, increment: UInt32, into out: inout [UInt8]) {
        frameHeader(length: 4, type: HTTP2FrameType.windowUpdate, flags: 0, streamID: streamID, into: &out)
        appendUInt32(increment & 0x7FFF_FFFF, into: &out)
    }

    public static func rstStream(streamID: UInt32, errorCode: UInt32, into out: inout [UInt8]) {
        frameHeader(length: 4, type: HTTP2FrameType.rstStream, flags: 0, streamID: streamID, into: &out)
        appendUInt32(errorCode, into: &out)
    }

    /// Writes any frame verbatim as one frame (no splitting), optionally padded (DATA, HEADERS,
    /// PUSH_PROMISE only). Intended for tests and tools; the connection uses the helpers above.
    public static func encode(_ frame: HTTP2Frame, padding: UInt8? = nil, into out: inout [UInt8]) {
        var payload: [UInt8] = []
        var flags: UInt8 = 0
        let type: UInt8
        var paddable = false
        switch frame {
        case .data(_, let bytes, let endStream, _):
            type = HTTP2FrameType.data
            paddable = true
            if endStream { flags |= HTTP2FrameFlags.endStream }
            payload = bytes
        case .headers(_, let block, let endStream, let endHeaders, let priority):
            type = HTTP2FrameType.headers
            paddable = true
            if endStream { flags |= HTTP2FrameFlags.endStream }
            if endHeaders { flags |= HTTP2FrameFlags.endHeaders }
            if let priority {
                flags |= HTTP2FrameFlags.priority
                appendPriority(priority, into: &payload)
            }
            payload += block
        case .priority(_, let priority):
            type = HTTP2FrameType.priority
            appendPriority(priority, into: &payload)
        case .rstStream(_, let code):
            type = HTTP2FrameType.rstStream
            appendUInt32(code, into: &payload)
        case .settings(let ack, let settings):
            if ack { settingsAck(into: &out) } else { self.settings(settings, into: &out) }
            return
        case .pushPromise(_, let promised, let block, let endHeaders):
            type = HTTP2FrameType.pushPromise
            paddable = true
            if endHeaders { flags |= HTTP2FrameFlags.endHeaders }
            appendUInt32(promised, into: &payload)
            payload += block
        case .ping(let ack, let data):
            ping(data: data, ack: ack, into: &out)
            return
        case .goAway(let last, let code, let debug):
            goAway(lastStreamID: last, errorCode: code, debugData: debug, into: &out)
            return
        case .windowUpdate(let id, let increment):
            windowUpdate(streamID: id, increment: increment, into: &out)
            return
        case .continuation(_, let block, let endHeaders):
            type = HTTP2FrameType.continuation
            if endHeaders { flags |= HTTP2FrameFlags.endHeaders }
            payload = block
        case .unknown(let unknownType, let unknownFlags, _, let bytes):
            type = unknownType
            flags = unknownFlags
            payload = bytes
        }
        if paddable, let padding {
            flags |= HTTP2FrameFlags.padded
            frameHeader(length: 1 + payload.count + Int(padding), type: type, flags: flags, streamID: frame.streamID,
                        into: &out)
            out.append(padding)
            out.append(contentsOf: payload)
            out.append(contentsOf: repeatElement(0, count: Int(padding)))
        } else {
            frameHeader(length: payload.count, type: type, flags: flags, streamID: frame.streamID, into: &out)
            out.append(contentsOf: payload)
        }
    }

    private static func appendPriority(_ priority: HTTP2PriorityInfo, into out: inout [UInt8]) {
        appendUInt32((priority.exclusive ? 0x8000_0000 : 0) | (priority.dependency & 0x7FFF_FFFF), into: &out)
        out.append(priority.weight)
    }

    @inline(__always)
    static func appendUInt32(_ value: UInt32, into out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }
}
