import HPACK
import Testing
@testable import HTTP2

@Suite struct HTTP2ServerConnectionReceivingTests {
    @Test func receiveWindowUpdatesAreSentAfterHalfTheWindow() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.initialStreamWindowSize = 128 * 1024
        configuration.connectionWindowSize = 256 * 1024
        var h = try Harness(configuration: configuration)
        _ = h.send(h.client.headers(1))
        let chunk = [UInt8](repeating: 1, count: 16384)
        for _ in 0..<3 {
            _ = h.send(h.client.data(1, chunk))
        }
        #expect(try h.output().isEmpty)
        // Padding counts: 16373 + 1 + 10 = 16384, reaching half the stream window (64 KiB).
        _ = h.send(h.client.data(1, [UInt8](repeating: 1, count: 16373), padding: 10))
        var frames = try h.output()
        #expect(frames == [.windowUpdate(streamID: 1, increment: 65536)])
        for _ in 0..<4 {
            _ = h.send(h.client.data(1, chunk))
        }
        frames = try h.output()
        #expect(frames == [.windowUpdate(streamID: 0, increment: 131072),
                           .windowUpdate(streamID: 1, increment: 65536)])
    }

    @Test func defaultWindowsNeverStallAClient() throws {
        // A client with the default 65535 view sends 64 KiB per window; credit keeps flowing.
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        var updates = 0
        for _ in 0..<(40 * 1024 * 1024 / 16384) {
            let events = h.send(h.client.data(1, [UInt8](repeating: 0, count: 16384)))
            #expect(events.count == 1)
            updates += try h.output().count
        }
        #expect(updates > 0)
    }

    @Test func peerExceedingStreamWindowIsAStreamFlowControlError() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.initialStreamWindowSize = 16384
        configuration.maxFrameSize = 32768
        var h = try Harness(configuration: configuration)
        _ = h.send(h.client.headers(1))
        _ = h.send(h.client.data(1, [UInt8](repeating: 0, count: 8000)))
        #expect(try h.output().isEmpty)
        #expect(try h.expectStreamError(h.client.data(1, [UInt8](repeating: 0, count: 8385)), streamID: 1,
                                        .flowControlError))
        // Connection credit of the rejected frame is still returned eventually; the connection lives.
        #expect(h.send(h.client.headers(3, endStream: true)).count == 1)
    }

    @Test func peerExceedingConnectionWindowIsAConnectionError() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.connectionWindowSize = 65535
        configuration.initialStreamWindowSize = 1 << 20
        configuration.maxFrameSize = 1 << 17
        var h = try Harness(configuration: configuration)
        _ = h.send(h.client.headers(1))
        _ = h.send(h.client.data(1, [UInt8](repeating: 0, count: 30000)))
        #expect(try h.output().isEmpty)
        #expect(try h.expectConnectionError(h.client.data(1, [UInt8](repeating: 0, count: 35536)), .flowControlError))
    }

    @Test(arguments: [
        ("CONTINUATION without HEADERS", HTTP2Frame.continuation(streamID: 1, headerBlock: [0x82], endHeaders: true)),
        ("PUSH_PROMISE", .pushPromise(streamID: 1, promisedStreamID: 2, headerBlock: [], endHeaders: true)),
        ("even stream id", .headers(streamID: 2, headerBlock: [0x82], endStream: true, endHeaders: true, priority: nil)),
        ("DATA on idle stream", .data(streamID: 5, bytes: [1], endStream: false, flowControlledLength: 1)),
        ("RST_STREAM on idle stream", .rstStream(streamID: 5, errorCode: 0)),
        ("WINDOW_UPDATE on idle stream", .windowUpdate(streamID: 5, increment: 1)),
        ("WINDOW_UPDATE 0 on connection", .windowUpdate(streamID: 0, increment: 0)),
        ("ENABLE_PUSH 2", .settings(ack: false, [HTTP2Setting(HTTP2SettingID.enablePush, 2)])),
        ("MAX_FRAME_SIZE too small", .settings(ack: false, [HTTP2Setting(HTTP2SettingID.maxFrameSize, 16383)])),
        ("MAX_FRAME_SIZE too large", .settings(ack: false, [HTTP2Setting(HTTP2SettingID.maxFrameSize, 1 << 24)])),
    ])
    func protocolErrors(name: String, frame: HTTP2Frame) throws {
        var h = try Harness()
        #expect(try h.expectConnectionError(h.client.frame(frame), .protocolError), "\(name)")
    }

    @Test func flowControlSettingErrors() throws {
        var h = try Harness()
        #expect(try h.expectConnectionError(
            h.client.frame(.settings(ack: false, [HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 31)])),
            .flowControlError))
        h = try Harness()
        #expect(try h.expectConnectionError(
            h.client.frame(.windowUpdate(streamID: 0, increment: 0x7FFF_FFFF)), .flowControlError))
        // INITIAL_WINDOW_SIZE change overflowing an open stream's window.
        h = try Harness()
        _ = h.send(h.client.headers(1))
        _ = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 0x7FFF_FFFF - 65535)))
        #expect(try h.expectConnectionError(
            h.client.frame(.settings(ack: false, [HTTP2Setting(HTTP2SettingID.initialWindowSize, 65536)])),
            .flowControlError))
    }

    @Test func frameSizeErrors() throws {
        var h = try Harness()
        #expect(try h.expectConnectionError(hex("000007 06 00 00000000 00000000000000"), .frameSizeError))
        h = try Harness()
        #expect(try h.expectConnectionError(hex("000003 08 00 00000000 000001"), .frameSizeError))
        h = try Harness()
        #expect(try h.expectConnectionError(hex("000001 04 01 00000000 00"), .frameSizeError))
        h = try Harness()
        var big: [UInt8] = []
        FrameEncoder.data(streamID: 1, bytes: [UInt8](repeating: 0, count: 16385)[...], endStream: false, into: &big)
        _ = h.send(h.client.headers(1))
        #expect(try h.expectConnectionError(big, .frameSizeError))
        h = try Harness()
        _ = h.send(h.client.headers(1))
        #expect(try h.expectConnectionError(hex("000003 03 00 00000001 000000"), .frameSizeError))
    }

    @Test func streamScopedErrors() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        // WINDOW_UPDATE 0 on a stream.
        #expect(try h.expectStreamError(h.client.frame(.windowUpdate(streamID: 1, increment: 0)), streamID: 1,
                                        .protocolError))
        // Stream window overflow.
        _ = h.send(h.client.headers(3))
        #expect(try h.expectStreamError(h.client.frame(.windowUpdate(streamID: 3, increment: 0x7FFF_FFFF)),
                                        streamID: 3, .flowControlError))
        // PRIORITY of bad length and self-dependency.
        #expect(try h.expectStreamError(hex("000004 02 00 00000005 00000001"), streamID: 5, .frameSizeError))
        #expect(try h.expectStreamError(
            h.client.frame(.priority(streamID: 7, HTTP2PriorityInfo(exclusive: false, dependency: 7, weight: 1))),
            streamID: 7, .protocolError))
        // HEADERS depending on itself.
        #expect(try h.expectStreamError(
            h.client.headers(9, priority: HTTP2PriorityInfo(exclusive: false, dependency: 9, weight: 1)),
            streamID: 9, .protocolError))
        // Connection still healthy.
        let events = h.send(h.client.headers(11, endStream: true))
        #expect(events.count == 1)
    }

    @Test func priorityFramesAreIgnored() throws {
        var h = try Harness()
        let events = h.send(h.client.frame(.priority(streamID: 3, HTTP2PriorityInfo(exclusive: true, dependency: 1,
                                                                                    weight: 200))))
        #expect(events.isEmpty)
        #expect(try h.output().isEmpty)
        // PRIORITY does not open stream 3: a lower new stream id is still fine.
        #expect(h.send(h.client.headers(1, endStream: true)).count == 1)
    }

    @Test func unknownFramesAndErrorCodesAreTolerated() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        var events = h.send(h.client.frame(.unknown(type: 0x20, flags: 0xFF, streamID: 1, payload: [1, 2, 3])))
        #expect(events.isEmpty)
        events = h.send(h.client.frame(.rstStream(streamID: 1, errorCode: 0xABCDEF)))
        #expect(events == [.streamReset(streamID: 1, code: .internalError)])
    }

    @Test func dataAndHeadersAfterEndStreamAreStreamClosed() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1, endStream: true))
        #expect(try h.expectStreamError(h.client.data(1, [1]), streamID: 1, .streamClosed))
        _ = h.send(h.client.headers(3, endStream: true))
        #expect(try h.expectStreamError(h.client.headers(3, [HeaderField(name: "x", value: "y")], endStream: true),
                                        streamID: 3, .streamClosed))
        // The app learns that its streams are gone.
        _ = h.send(h.client.headers(5, endStream: true))
        let events = h.send(h.client.data(5, [1]))
        #expect(events == [.streamReset(streamID: 5, code: .streamClosed)])
    }

    @Test func framesOnClosedStreams() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: true)
        _ = try h.output()
        // WINDOW_UPDATE, PRIORITY and RST_STREAM after close are ignored.
        var events = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 10)))
        events += h.send(h.client.frame(.rstStream(streamID: 1, errorCode: 8)))
        events += h.send(h.client.frame(.priority(streamID: 1, HTTP2PriorityInfo(exclusive: false, dependency: 0,
                                                                                weight: 1))))
        #expect(events.isEmpty)
        #expect(try h.output().isEmpty)
        // RFC 9113 §5.1: DATA after END_STREAM on a closed stream is a connection error of type
        // STREAM_CLOSED (h2spec http2/5.1/11).
        #expect(try h.expectConnectionError(h.client.data(1, [1]), .streamClosed))
    }

    @Test func headersOnAFinishedStreamIsAConnectionStreamClosedError() throws {
        // h2spec http2/5.1/12: GET, response, the same HEADERS again → GOAWAY(STREAM_CLOSED).
        var h = try Harness()
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: true)
        _ = try h.output()
        #expect(!h.connection.isStreamOpen(1))
        #expect(try h.expectConnectionError(h.client.headers(1, endStream: true), .streamClosed))
    }

    @Test func framesAfterThePeersResetAreStreamErrors() throws {
        // h2spec http2/5.1/8 and 5.1/9: after the client's RST_STREAM, DATA and HEADERS are
        // stream errors of type STREAM_CLOSED; the connection lives on.
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        #expect(h.send(h.client.frame(.rstStream(streamID: 1, errorCode: 8))) == [.streamReset(streamID: 1, code: .cancel)])
        #expect(try h.expectStreamError(h.client.data(1, [1], endStream: true), streamID: 1, .streamClosed))
        _ = h.send(h.client.headers(3))
        _ = h.send(h.client.frame(.rstStream(streamID: 3, errorCode: 8)))
        #expect(try h.expectStreamError(h.client.headers(3, endStream: true), streamID: 3, .streamClosed))
        #expect(h.send(h.client.headers(5, endStream: true)).count == 1)
    }

    @Test func framesInFlightAfterOurResetAreIgnored() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        h.connection.resetStream(streamID: 1, code: .cancel)
        _ = try h.output()
        // The client's RST_STREAM crossing ours does not make its in-flight frames errors.
        var events = h.send(h.client.frame(.rstStream(streamID: 1, errorCode: 8)))
        events += h.send(h.client.data(1, [1, 2]))
        events += h.send(h.client.headers(1, [HeaderField(name: "x-t", value: "1")], endStream: true))
        #expect(events.isEmpty)
        #expect(try h.output().isEmpty)
        #expect(!h.connection.isClosed)
    }

    @Test func requestTrailersAfterDataEndTheStream() throws {
        // h2spec generic/4/4: HEADERS, DATA, then trailers with END_STREAM; the application sees
        // the trailers as the end of the request and can answer.
        var h = try Harness()
        let request = TestClient.request(path: "/", extra: [("trailer", "x-test")])
        #expect(h.send(h.client.headers(1, request)) == [.headers(streamID: 1, fields: request, endStream: false)])
        #expect(h.send(h.client.data(1, Array("test".utf8))) == [.data(streamID: 1, bytes: Array("test".utf8),
                                                                        endStream: false)])
        let trailers = [HeaderField(name: "x-test", value: "ok")]
        #expect(h.send(h.client.headers(1, trailers, endStream: true))
            == [.headers(streamID: 1, fields: trailers, endStream: true)])
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "404")], endStream: true)
        let frames = try h.output()
        #expect(frames.count == 1)
        guard case .headers(1, _, true, true, _)? = frames.first else {
            Issue.record("no response HEADERS: \(frames)")
            return
        }
        #expect(!h.connection.isStreamOpen(1))
    }
}
