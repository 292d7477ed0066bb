import Testing
@testable import HTTP2

@Suite struct FrameDecoderTests {
    static let frames: [HTTP2Frame] = [
        .data(streamID: 1, bytes: [1, 2, 3, 4, 5], endStream: false, flowControlledLength: 5),
        .data(streamID: 3, bytes: [], endStream: true, flowControlledLength: 0),
        .headers(streamID: 1, headerBlock: [0x82, 0x86, 0x84], endStream: true, endHeaders: true, priority: nil),
        .headers(streamID: 5, headerBlock: [0x82], endStream: false, endHeaders: false,
                 priority: HTTP2PriorityInfo(exclusive: true, dependency: 3, weight: 15)),
        .priority(streamID: 7, HTTP2PriorityInfo(exclusive: false, dependency: 1, weight: 255)),
        .rstStream(streamID: 1, errorCode: 8),
        .rstStream(streamID: 1, errorCode: 0xDEAD),
        .settings(ack: false, [HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 20), HTTP2Setting(0xFE03, 1)]),
        .settings(ack: false, []),
        .settings(ack: true, []),
        .pushPromise(streamID: 1, promisedStreamID: 2, headerBlock: [0x82], endHeaders: true),
        .ping(ack: false, data: 0x0204_1010_090E_0707),
        .ping(ack: true, data: 1),
        .goAway(lastStreamID: 7, errorCode: 11, debugData: Array("too_many_pings".utf8)),
        .goAway(lastStreamID: 0, errorCode: 0, debugData: []),
        .windowUpdate(streamID: 0, increment: 0x7FFF_FFFF),
        .windowUpdate(streamID: 9, increment: 1),
        .continuation(streamID: 5, headerBlock: [0x84, 0x86], endHeaders: true),
        .unknown(type: 0xBB, flags: 0xFF, streamID: 3, payload: [9, 9]),
    ]

    func decodeAll(_ chunks: [ArraySlice<UInt8>], maxFrameSize: UInt32 = 16384) throws(HTTP2Error) -> [HTTP2Frame] {
        var decoder = FrameDecoder(maxFrameSize: maxFrameSize)
        var result: [HTTP2Frame] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let frame = try decoder.nextFrame() {
                result.append(frame)
            }
        }
        #expect(decoder.bufferedByteCount == 0)
        return result
    }

    @Test func everyFrameTypeRoundTripsInEveryFeedMode() throws {
        var bytes: [UInt8] = []
        for frame in Self.frames {
            FrameEncoder.encode(frame, into: &bytes)
        }
        try forEachFeedMode(bytes) { mode, chunks in
            let frames = try decodeAll(chunks)
            #expect(frames == Self.frames, "\(mode)")
        }
    }

    @Test func paddedFramesAreUnpadded() throws {
        var bytes: [UInt8] = []
        FrameEncoder.encode(.data(streamID: 1, bytes: [7, 7, 7], endStream: true, flowControlledLength: 0),
                            padding: 4, into: &bytes)
        FrameEncoder.encode(.headers(streamID: 1, headerBlock: [0x82], endStream: false, endHeaders: true,
                                     priority: HTTP2PriorityInfo(exclusive: false, dependency: 0, weight: 16)),
                            padding: 2, into: &bytes)
        FrameEncoder.encode(.data(streamID: 1, bytes: [], endStream: false, flowControlledLength: 0),
                            padding: 0, into: &bytes)
        try forEachFeedMode(bytes) { mode, chunks in
            let frames = try decodeAll(chunks)
            #expect(frames == [
                .data(streamID: 1, bytes: [7, 7, 7], endStream: true, flowControlledLength: 8),
                .headers(streamID: 1, headerBlock: [0x82], endStream: false, endHeaders: true,
                         priority: HTTP2PriorityInfo(exclusive: false, dependency: 0, weight: 16)),
                .data(streamID: 1, bytes: [], endStream: false, flowControlledLength: 1),
            ], "\(mode)")
        }
    }

    @Test func rawVectors() throws {
        // SETTINGS ACK, PING, WINDOW_UPDATE with the reserved bit set (ignored).
        let bytes = hex("""
            000000 04 01 00000000
            000008 06 00 00000000 0102030405060708
            000004 08 00 80000001 80000010
            """)
        try forEachFeedMode(bytes) { mode, chunks in
            let frames = try decodeAll(chunks)
            #expect(frames == [
                .settings(ack: true, []),
                .ping(ack: false, data: 0x0102_0304_0506_0708),
                .windowUpdate(streamID: 1, increment: 16),
            ], "\(mode)")
        }
    }

    @Test func incompleteInputReturnsNil() throws {
        var decoder = FrameDecoder()
        decoder.append(hex("000008 06 00 00000000 01020304")[...])
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == nil)
        }
        decoder.append(hex("05060708")[...])
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == .ping(ack: false, data: 0x0102_0304_0506_0708))
        }
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == nil)
        }
    }

    @Test func maximumFrameSizeIsEnforced() throws {
        var bytes: [UInt8] = []
        FrameEncoder.data(streamID: 1, bytes: [UInt8](repeating: 0, count: 16385)[...], endStream: false, into: &bytes)
        do {
            _ = try decodeAll([bytes[...]])
            Issue.record("oversized frame accepted")
        } catch {
            #expect(error.code == .frameSizeError)
        }
        let exactly = try decodeAll([bytes[...]], maxFrameSize: 16385)
        #expect(exactly.count == 1)
        // Rejected as soon as the header is seen.
        var decoder = FrameDecoder()
        decoder.append(bytes[0..<9])
        #expect(throws: HTTP2Error.self) { _ = try decoder.nextFrame() }
    }

    static let errorCases: [(String, String, HTTP2ErrorCode, HTTP2Error.Scope)] = [
        ("DATA on stream 0", "000001 00 00 00000000 00", .protocolError, .connection),
        ("HEADERS on stream 0", "000001 01 04 00000000 82", .protocolError, .connection),
        ("PRIORITY on stream 0", "000005 02 00 00000000 0000000110", .protocolError, .connection),
        ("PRIORITY length 4", "000004 02 00 00000003 00000001", .frameSizeError, .stream(3)),
        ("RST_STREAM on stream 0", "000004 03 00 00000000 00000008", .protocolError, .connection),
        ("RST_STREAM length 3", "000003 03 00 00000001 000000", .frameSizeError, .connection),
        ("SETTINGS on stream 1", "000000 04 00 00000001", .protocolError, .connection),
        ("SETTINGS length 5", "000005 04 00 00000000 0001000000", .frameSizeError, .connection),
        ("SETTINGS ACK with payload", "000006 04 01 00000000 000100000000", .frameSizeError, .connection),
        ("PING on stream 1", "000008 06 00 00000001 0000000000000000", .protocolError, .connection),
        ("PING length 7", "000007 06 00 00000000 00000000000000", .frameSizeError, .connection),
        ("GOAWAY on stream 1", "000008 07 00 00000001 0000000000000000", .protocolError, .connection),
        ("GOAWAY length 7", "000007 07 00 00000000 00000000000000", .frameSizeError, .connection),
        ("WINDOW_UPDATE length 3", "000003 08 00 00000000 000001", .frameSizeError, .connection),
        ("WINDOW_UPDATE length 5", "000005 08 00 00000001 0000000100", .frameSizeError, .connection),
        ("CONTINUATION on stream 0", "000001 09 04 00000000 82", .protocolError, .connection),
        ("DATA pad length = payload", "000003 00 08 00000001 030000", .protocolError, .connection),
        ("DATA pad length > payload", "000001 00 08 00000001 05", .protocolError, .connection),
        ("DATA padded, empty payload", "000000 00 08 00000001", .frameSizeError, .connection),
        ("HEADERS pad too long", "000003 01 0c 00000001 058282", .protocolError, .connection),
        ("HEADERS priority too short", "000003 01 24 00000001 000000", .frameSizeError, .connection),
        ("HEADERS priority + pad too long", "000007 01 2c 00000001 02 0000000010 82", .protocolError, .connection),
    ]

    @Test(arguments: errorCases)
    func malformedFrames(name: String, bytes: String, code: HTTP2ErrorCode, scope: HTTP2Error.Scope) {
        for mode in FeedMode.allCases {
            do {
                _ = try decodeAll(mode.chunks(of: hex(bytes)))
                Issue.record("\(name) (\(mode)): no error")
            } catch {
                #expect(error.code == code, "\(name) (\(mode))")
                #expect(error.scope == scope, "\(name) (\(mode))")
            }
        }
    }

    @Test func streamScopedErrorLeavesDecoderUsable() throws {
        var decoder = FrameDecoder()
        decoder.append(hex("000004 02 00 00000003 00000001  000000 04 01 00000000")[...])
        #expect(throws: HTTP2Error.self) { _ = try decoder.nextFrame() }
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == .settings(ack: true, []))
        }
    }

    @Test func largeInputIsCompactedAndFullyDecoded() throws {
        var bytes: [UInt8] = []
        for i in 0..<2000 {
            FrameEncoder.ping(data: UInt64(i), ack: false, into: &bytes)
        }
        var decoder = FrameDecoder()
        var count = 0
        for chunk in FeedMode.randomSplits.chunks(of: bytes) {
            decoder.append(chunk)
            while let frame = try decoder.nextFrame() {
                #expect(frame == .ping(ack: false, data: UInt64(count)))
                count += 1
            }
        }
        #expect(count == 2000)
    }

    /// Fixed-length violations visible in the header are errors before the payload arrives
    /// (h2spec http2/6.5/3 announces 9 octets of SETTINGS and sends only 8).
    @Test(arguments: [
        ("SETTINGS length 9", "000009 04 00 00000000", HTTP2ErrorCode.frameSizeError),
        ("SETTINGS ACK with payload", "000006 04 01 00000000", .frameSizeError),
        ("SETTINGS on stream 1", "000006 04 00 00000001", .protocolError),
        ("PING length 7", "000007 06 00 00000000", .frameSizeError),
        ("PING on stream 1 (stream checked first)", "000006 06 00 00000001", .protocolError),
        ("WINDOW_UPDATE length 5", "000005 08 00 00000003", .frameSizeError),
        ("RST_STREAM length 5", "000005 03 00 00000001", .frameSizeError),
        ("GOAWAY length 7", "000007 07 00 00000000", .frameSizeError),
        ("DATA on stream 0", "000010 00 00 00000000", .protocolError),
        ("CONTINUATION on stream 0", "000010 09 00 00000000", .protocolError),
    ])
    func headerOnlyErrors(name: String, header: String, code: HTTP2ErrorCode) throws {
        var decoder = FrameDecoder()
        decoder.append(hex(header)[...])
        #expect(throws: HTTP2Error.self, "\(name)") { _ = try decoder.nextFrame() }
        do {
            var again = FrameDecoder()
            again.append(hex(header)[...])
            _ = try again.nextFrame()
        } catch {
            #expect(error.code == code, "\(name)")
            #expect(error.scope == .connection, "\(name)")
        }
    }

    @Test func validHeadersStillWaitForTheirPayload() throws {
        var decoder = FrameDecoder()
        decoder.append(hex("000006 04 00 00000000 0003")[...])
        #expect(try decoder.nextFrame() == nil)
        decoder.append(hex("00000064")[...])
        #expect(try decoder.nextFrame() == .settings(ack: false, [HTTP2Setting(3, 100)]))
    }
}
