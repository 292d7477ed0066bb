import HPACK
import Testing
@testable import HTTP2

@Suite struct HTTP2ClientConnectionTests {
    @Test func prefaceSettingsAndWindowAreQueuedAtInit() throws {
        var client = HTTP2ClientConnection()
        let bytes = client.takeOutput()
        #expect(Array(bytes.prefix(24)) == Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8))
        var server = TestServerPeer()
        #expect(try server.frames(bytes) == [
            .settings(ack: false, [
                HTTP2Setting(HTTP2SettingID.enablePush, 0),
                HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 20),
                HTTP2Setting(HTTP2SettingID.maxFrameSize, 16384),
                HTTP2Setting(HTTP2SettingID.maxHeaderListSize, 1 << 20),
            ]),
            .windowUpdate(streamID: 0, increment: (16 << 20) - 65535),
        ])
        #expect(client.takeOutput().isEmpty)
        #expect(!client.isReady)
    }

    @Test func serverSettingsAreAppliedAndAcknowledgedInEveryFeedMode() throws {
        let peer = TestServerPeer()
        let bytes = peer.settings([HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 7),
                                   HTTP2Setting(HTTP2SettingID.initialWindowSize, 1000),
                                   HTTP2Setting(0xFE03, 1)])
            + peer.frame(.windowUpdate(streamID: 0, increment: 500))
            + peer.frame(.ping(ack: false, data: 0x0102_0304_0506_0708))
            + peer.frame(.settings(ack: true, []))
        try forEachFeedMode(bytes) { mode, chunks in
            var client = HTTP2ClientConnection()
            var server = TestServerPeer()
            _ = try server.frames(client.takeOutput())
            #expect(client.receiveAll(chunks) == [.ready], "\(mode)")
            #expect(try server.frames(client.takeOutput()) == [
                .settings(ack: true, []), .ping(ack: true, data: 0x0102_0304_0506_0708),
            ], "\(mode)")
            #expect(client.remoteSettings.maxConcurrentStreams == 7)
            #expect(client.remoteSettings.initialWindowSize == 1000)
            #expect(client.connectionSendWindowSize == 65535 + 500)
            #expect(client.settingsAcknowledged)
            #expect(client.isReady)
        }
    }

    @Test func firstServerFrameMustBeSettings() throws {
        var client = HTTP2ClientConnection()
        var server = TestServerPeer()
        _ = try server.frames(client.takeOutput())
        let events = client.receive(server.frame(.ping(ack: false, data: 1))[...])
        let error = HTTP2Error.connection(.protocolError, "initial http2 frame from server is not a settings frame")
        #expect(events == [.connectionError(error)])
        #expect(try server.frames(client.takeOutput())
            == [.goAway(lastStreamID: 0, errorCode: 1, debugData: Array(error.reason.utf8))])
        #expect(client.isClosed)
        #expect(throws: HTTP2ClientOpenError.connectionClosed) {
            try client.openStream(headers: TestServerPeer.request(), endStream: true)
        }
    }

    @Test func streamsWaitForTheServerSettings() throws {
        var client = HTTP2ClientConnection()
        var server = TestServerPeer()
        let id = try client.openStream(headers: TestServerPeer.request(), endStream: false)
        client.sendData(streamID: id, bytes: [1, 2, 3], endStream: true)
        let early = try server.frames(client.takeOutput())
        #expect(early.count == 2)  // SETTINGS + WINDOW_UPDATE, no HEADERS yet
        #expect(client.queuedStreamsCount == 1)
        #expect(client.receive(server.settings()[...]) == [.ready])
        let frames = try server.frames(client.takeOutput())
        #expect(frames.count == 3)
        #expect(frames[0] == .settings(ack: true, []))
        guard case .headers(1, let block, false, true, nil) = frames[1] else {
            Issue.record("expected HEADERS on stream 1, got \(frames)")
            return
        }
        #expect(try server.decode(block) == TestServerPeer.request())
        #expect(frames[2] == .data(streamID: 1, bytes: [1, 2, 3], endStream: true, flowControlledLength: 3))
        #expect(client.openStreamCount == 1)
    }

    @Test func streamIDsAreOddAndIncreasingOnTheWire() throws {
        var (client, server) = try readyClient()
        let ids = try (0..<4).map { _ in try client.openStream(headers: TestServerPeer.request(), endStream: true) }
        #expect(ids == [1, 3, 5, 7])
        let frames = try server.frames(client.takeOutput())
        #expect(frames.map(\.streamID) == [1, 3, 5, 7])
        for frame in frames {
            guard case .headers(_, let block, true, true, nil) = frame else {
                Issue.record("expected HEADERS with END_STREAM, got \(frame)")
                continue
            }
            #expect(try server.decode(block) == TestServerPeer.request())
        }
    }

    @Test func idsRunOutAtTwoToTheThirtyOneMinusOne() throws {
        var (client, _) = try readyClient()
        client.nextStreamID = HTTP2ClientConnection.maxStreamID
        #expect(try client.openStream(headers: TestServerPeer.request(), endStream: true) == (1 << 31) - 1)
        #expect(!client.acceptsNewStreams)
        #expect(throws: HTTP2ClientOpenError.streamIDsExhausted) {
            try client.openStream(headers: TestServerPeer.request(), endStream: true)
        }
    }

    @Test func serverMaxConcurrentStreamsQueuesTheRest() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 2)])
        for _ in 0..<4 { _ = try client.openStream(headers: TestServerPeer.request(), endStream: true) }
        #expect(try server.frames(client.takeOutput()).map(\.streamID) == [1, 3])
        #expect(client.openStreamCount == 2)
        #expect(client.queuedStreamsCount == 2)
        // Stream 5 is cancelled while queued: it never appears on the wire (no RST on an idle stream).
        client.resetStream(streamID: 5, code: .cancel)
        #expect(client.takeOutput().isEmpty)
        // The server finishes stream 1: stream 7 takes its slot.
        var events = client.receive(server.headers(1, TestServerPeer.response(), endStream: true)[...])
        #expect(events == [.response(streamID: 1, fields: TestServerPeer.response(), endStream: true)])
        #expect(try server.frames(client.takeOutput()).map(\.streamID) == [7])
        // A reset from the server frees a slot too.
        events = client.receive(server.frame(.rstStream(streamID: 3, errorCode: 7))[...])
        #expect(events == [.streamClosed(streamID: 3, reason: .reset(.refusedStream))])
        #expect(client.openStreamCount == 1)
        #expect(client.queuedStreamsCount == 0)
        // A lower limit later on holds new streams back until enough finish.
        _ = client.receive(server.settings([HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 1)])[...])
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        #expect(try server.frames(client.takeOutput()) == [.settings(ack: true, [])])
        _ = client.receive(server.headers(7, TestServerPeer.response(), endStream: true)[...])
        #expect(try server.frames(client.takeOutput()).map(\.streamID) == [9])
    }

    @Test func queuedStreamsAreBounded() throws {
        var configuration = HTTP2ClientConfiguration()
        configuration.maxQueuedStreams = 2
        var client = HTTP2ClientConnection(configuration: configuration)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        #expect(throws: HTTP2ClientOpenError.queueFull) {
            try client.openStream(headers: TestServerPeer.request(), endStream: true)
        }
    }

    @Test func responseDataAndTrailersInEveryFeedMode() throws {
        var script = TestServerPeer()
        let trailers = [HeaderField(name: "grpc-status", value: "0"), HeaderField(name: "grpc-message", value: "")]
        let response = TestServerPeer.response(extra: [("x-long", String(repeating: "v", count: 100))])
        let bytes = script.splitHeaders(1, response, endStream: false, chunk: 7)
            + script.data(1, [1, 2, 3], padding: 9)
            + script.data(1, [4])
            + script.splitHeaders(1, trailers, endStream: true, chunk: 5)
        try forEachFeedMode(bytes) { mode, chunks in
            var (client, server) = try readyClient()
            let id = try client.openStream(headers: TestServerPeer.request(), endStream: false)
            client.sendData(streamID: id, bytes: [9, 9], endStream: true)
            _ = try server.frames(client.takeOutput())
            let events = client.receiveAll(chunks)
            #expect(events == [
                .response(streamID: 1, fields: response, endStream: false),
                .data(streamID: 1, bytes: [1, 2, 3], endStream: false),
                .data(streamID: 1, bytes: [4], endStream: false),
                .trailers(streamID: 1, fields: trailers),
            ], "\(mode)")
            #expect(!client.isStreamActive(1))
            #expect(client.openStreamCount == 0)
            // Both sides ended normally: no RST_STREAM.
            #expect(client.takeOutput().isEmpty, "\(mode)")
        }
    }

    @Test func serverEndingFirstGetsRstStreamNoError() throws {
        var (client, server) = try readyClient()
        let id = try client.openStream(headers: TestServerPeer.request(path: "/etcdserverpb.Watch/Watch"),
                                       endStream: false)
        client.sendData(streamID: id, bytes: [0, 0, 0, 0, 0], endStream: false)
        _ = try server.frames(client.takeOutput())
        let trailersOnly = TestServerPeer.response(extra: [("grpc-status", "14")])
        #expect(client.receive(server.headers(id, trailersOnly, endStream: true)[...])
            == [.response(streamID: id, fields: trailersOnly, endStream: true)])
        #expect(try server.frames(client.takeOutput()) == [.rstStream(streamID: id, errorCode: 0)])
        // Late data from the server for it is ignored; sends on it are dropped.
        client.sendData(streamID: id, bytes: [1], endStream: true)
        #expect(client.receive(server.data(id, [1])[...]).isEmpty)
        #expect(client.takeOutput().isEmpty)
        #expect(client.connectionError == nil)
    }

    @Test func informationalResponsesAreSkipped() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        var events = client.receive((server.headers(1, [HeaderField(name: ":status", value: "100")])
            + server.headers(1, TestServerPeer.response()))[...])
        #expect(events == [.response(streamID: 1, fields: TestServerPeer.response(), endStream: false)])
        // A 1xx block that ends the stream is malformed.
        events = client.receive(server.headers(3, [HeaderField(name: ":status", value: "103")], endStream: true)[...])
        let error = HTTP2Error.stream(3, .protocolError,
                                      "protocol error: informational header with status code 103 must not have END_STREAM set")
        #expect(events == [.streamClosed(streamID: 3, reason: .protocolError(error))])
        #expect(try server.frames(client.takeOutput()) == [.rstStream(streamID: 3, errorCode: 1)])
    }

    @Test func secondHeaderBlockWithoutEndStreamIsAStreamError() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        _ = client.receive(server.headers(1, TestServerPeer.response())[...])
        let events = client.receive(server.headers(1, [HeaderField(name: "grpc-status", value: "0")])[...])
        #expect(events == [.streamClosed(streamID: 1, reason: .protocolError(
            .stream(1, .protocolError, "a HEADERS frame cannot appear in the middle of a stream")))])
        #expect(try server.frames(client.takeOutput()) == [.rstStream(streamID: 1, errorCode: 1)])
    }

    @Test(arguments: [
        ([HeaderField(name: "content-type", value: "application/grpc")], "missing :status"),
        ([HeaderField(name: ":status", value: "20")], "invalid :status 20"),
        ([HeaderField(name: ":status", value: "200"), HeaderField(name: ":status", value: "200")], "duplicate :status"),
        ([HeaderField(name: ":status", value: "200"), HeaderField(name: ":path", value: "/")],
         "invalid pseudo-header :path in response"),
        ([HeaderField(name: "x", value: "1"), HeaderField(name: ":status", value: "200")],
         "pseudo-header :status after regular field"),
        ([HeaderField(name: ":status", value: "200"), HeaderField(name: "Upper", value: "1")], "invalid field name Upper"),
        ([HeaderField(name: ":status", value: "200"), HeaderField(name: "connection", value: "close")],
         "connection-specific field connection"),
    ])
    func malformedResponsesAreStreamErrors(fields: [HeaderField], reason: String) throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        let events = client.receive(server.headers(1, fields)[...])
        #expect(events == [.streamClosed(streamID: 1, reason: .protocolError(.stream(1, .protocolError, reason)))])
        #expect(try server.frames(client.takeOutput()) == [.rstStream(streamID: 1, errorCode: 1)])
    }

    @Test func trailersWithPseudoHeadersAreMalformed() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        _ = client.receive(server.headers(1, TestServerPeer.response())[...])
        let events = client.receive(server.headers(1, [HeaderField(name: ":status", value: "200")], endStream: true)[...])
        #expect(events == [.streamClosed(streamID: 1, reason: .protocolError(
            .stream(1, .protocolError, "pseudo-header :status in trailers")))])
    }

    @Test func dataBeforeResponseHeadersIsAStreamError() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        let events = client.receive(server.data(1, [1])[...])
        #expect(events == [.streamClosed(streamID: 1, reason: .protocolError(
            .stream(1, .protocolError, "DATA before response headers")))])
    }

    @Test func framesOnIdleStreamsAreConnectionErrors() throws {
        let cases: [(String, (inout TestServerPeer) -> [UInt8])] = [
            ("DATA on idle stream 3", { $0.data(3, [1]) }),
            ("HEADERS on idle stream 2", { $0.headers(2, TestServerPeer.response()) }),
            ("HEADERS on idle stream 5", { $0.headers(5, TestServerPeer.response()) }),
            ("RST_STREAM on idle stream 3", { $0.frame(.rstStream(streamID: 3, errorCode: 8)) }),
            ("WINDOW_UPDATE on idle stream 3", { $0.frame(.windowUpdate(streamID: 3, increment: 1)) }),
        ]
        for (reason, make) in cases {
            var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 1)])
            _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
            _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)  // 3: queued, idle on the wire
            _ = try server.frames(client.takeOutput())
            let events = client.receive(make(&server)[...])
            #expect(events == [.connectionError(.connection(.protocolError, reason))])
            #expect(client.activeStreamCount == 0)
            #expect(try server.frames(client.takeOutput())
                == [.goAway(lastStreamID: 0, errorCode: 1, debugData: Array(reason.utf8))])
        }
    }

    @Test func lateFramesOnStreamsWeResetAreIgnored() throws {
        var configuration = HTTP2ClientConfiguration()
        configuration.connectionWindowSize = 65535
        var (client, server) = try readyClient(configuration: configuration)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        client.resetStream(streamID: 1, code: .cancel)
        #expect(try server.frames(client.takeOutput()) == [.rstStream(streamID: 1, errorCode: 8)])
        let late = server.headers(1, TestServerPeer.response()) + server.data(1, Array(repeating: 7, count: 10000))
            + server.data(1, Array(repeating: 7, count: 10000))
            + server.frame(.windowUpdate(streamID: 1, increment: 5)) + server.frame(.rstStream(streamID: 1, errorCode: 0))
        #expect(client.receive(late[...]).isEmpty)
        // The DATA still counted against the connection window, and its credit is returned.
        #expect(try server.frames(client.takeOutput()) == [.windowUpdate(streamID: 0, increment: 20000)])
        #expect(client.connectionError == nil)
    }

    @Test func dataOnANormallyClosedStreamIsStreamClosed() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        _ = client.receive(server.headers(1, TestServerPeer.response(), endStream: true)[...])
        let events = client.receive(server.data(1, [1])[...])
        #expect(events.isEmpty)  // the stream is gone: nothing to report to the application
        #expect(try server.frames(client.takeOutput()) == [.rstStream(streamID: 1, errorCode: 5)])
    }

    @Test func pushPromiseIsAConnectionError() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        let events = client.receive(server.frame(.pushPromise(streamID: 1, promisedStreamID: 2, headerBlock: [0x82],
                                                              endHeaders: true))[...])
        #expect(events == [.connectionError(.connection(.protocolError, "PUSH_PROMISE with push disabled"))])
    }

    @Test func interleavedContinuationIsAConnectionError() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        let partial = server.frame(.headers(streamID: 1, headerBlock: [0x88], endStream: false, endHeaders: false,
                                            priority: nil))
        let events = client.receive((partial + server.frame(.ping(ack: false, data: 0)))[...])
        #expect(events == [.connectionError(.connection(.protocolError, "frame interleaved in a header block"))])
    }

    @Test func hpackGarbageIsACompressionError() throws {
        var (client, server) = try readyClient()
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        let events = client.receive(server.frame(.headers(streamID: 1, headerBlock: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
                                                          endStream: false, endHeaders: true, priority: nil))[...])
        guard case .connectionError(let error)? = events.first else {
            Issue.record("expected a connection error, got \(events)")
            return
        }
        #expect(error.code == .compressionError)
    }

    @Test func pingsAreAnsweredAndOurAcksReported() throws {
        var (client, server) = try readyClient()
        client.ping(data: 42)
        #expect(try server.frames(client.takeOutput()) == [.ping(ack: false, data: 42)])
        let events = client.receive((server.frame(.ping(ack: true, data: 42)) + server.frame(.ping(ack: false, data: 7)))[...])
        #expect(events == [.pingAcknowledged(data: 42)])
        #expect(try server.frames(client.takeOutput()) == [.ping(ack: true, data: 7)])
    }

    @Test func goAwayFailsUnprocessedStreamsAndLetsOthersFinish() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 2)])
        for _ in 0..<3 { _ = try client.openStream(headers: TestServerPeer.request(), endStream: true) }
        _ = try server.frames(client.takeOutput())
        let events = client.receive(server.frame(.goAway(lastStreamID: 1, errorCode: 0, debugData: Array("bye".utf8)))[...])
        #expect(events == [
            .streamClosed(streamID: 3, reason: .notProcessed),
            .streamClosed(streamID: 5, reason: .notProcessed),
            .goAway(lastStreamID: 1, code: .noError, debugData: Array("bye".utf8)),
        ])
        #expect(!client.acceptsNewStreams)
        #expect(throws: HTTP2ClientOpenError.goingAway) {
            try client.openStream(headers: TestServerPeer.request(), endStream: true)
        }
        #expect(!client.isClosed)
        // A second GOAWAY may not raise the limit.
        #expect(client.receive(server.frame(.goAway(lastStreamID: 99, errorCode: 0, debugData: []))[...])
            == [.goAway(lastStreamID: 1, code: .noError, debugData: [])])
        _ = client.receive(server.headers(1, TestServerPeer.response(), endStream: true)[...])
        #expect(client.isClosed)
    }

    @Test func clientGoAwayDropsQueuedStreamsAndRefusesNewOnes() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 1)])
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        client.goAway()
        #expect(try server.frames(client.takeOutput()) == [.goAway(lastStreamID: 0, errorCode: 0, debugData: [])])
        #expect(client.activeStreamCount == 1)
        #expect(throws: HTTP2ClientOpenError.goingAway) {
            try client.openStream(headers: TestServerPeer.request(), endStream: true)
        }
        _ = client.receive(server.headers(1, TestServerPeer.response(), endStream: true)[...])
        #expect(client.isClosed)
    }

    @Test func headerTableSizeFromTheServerResizesOurEncoder() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.headerTableSize, 0)])
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        let frames = try server.frames(client.takeOutput())
        guard case .headers(_, let block, _, _, _) = frames.first else {
            Issue.record("no HEADERS")
            return
        }
        #expect(block.first == 0x20)  // dynamic table size update to 0 (RFC 7541 §6.3)
        server.decoder.setMaxTableSize(0)
        #expect(try server.decode(block) == TestServerPeer.request())
    }
}
