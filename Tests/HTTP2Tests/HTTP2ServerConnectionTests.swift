import HPACK
import Testing
@testable import HTTP2

@Suite struct HTTP2ServerConnectionTests {
    @Test func serverSettingsAreQueuedAtInit() throws {
        var connection = HTTP2ServerConnection()
        var client = TestClient()
        let frames = try client.frames(connection.takeOutput())
        #expect(frames == [
            .settings(ack: false, [
                HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 1000),
                HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 20),
                HTTP2Setting(HTTP2SettingID.maxFrameSize, 16384),
                HTTP2Setting(HTTP2SettingID.maxHeaderListSize, 64 * 1024),
            ]),
            .windowUpdate(streamID: 0, increment: (16 << 20) - 65535),
        ])
        #expect(connection.takeOutput().isEmpty)
    }

    @Test func handshakeAcknowledgesClientSettingsInEveryFeedMode() throws {
        let client = TestClient()
        let bytes = client.preface(settings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 16),
                                              HTTP2Setting(0xFE03, 1)])
            + client.frame(.windowUpdate(streamID: 0, increment: 1000))
        try forEachFeedMode(bytes) { mode, chunks in
            var connection = HTTP2ServerConnection()
            var reader = TestClient()
            _ = try reader.frames(connection.takeOutput())
            for chunk in chunks {
                #expect(connection.receive(chunk).isEmpty, "\(mode)")
            }
            #expect(try reader.frames(connection.takeOutput()) == [.settings(ack: true, [])], "\(mode)")
            #expect(connection.remoteSettings.initialWindowSize == 1 << 16)
            #expect(connection.connectionSendWindowSize == 65535 + 1000)
        }
    }

    @Test func badPrefaceIsAProtocolError() throws {
        var connection = HTTP2ServerConnection()
        _ = connection.takeOutput()
        let events = connection.receive(Array("GET / HTTP/1.1\r\n\r\n".utf8)[...])
        #expect(events == [.connectionError(.connection(.protocolError, "invalid connection preface"))])
        var client = TestClient()
        #expect(try client.frames(connection.takeOutput()).last
            == .goAway(lastStreamID: 0, errorCode: 1, debugData: Array("invalid connection preface".utf8)))
        #expect(connection.isClosed)
        #expect(connection.receive(http2ClientPreface[...]).isEmpty)
    }

    @Test func firstFrameMustBeSettings() throws {
        var connection = HTTP2ServerConnection()
        let client = TestClient()
        _ = connection.takeOutput()
        let events = connection.receive((http2ClientPreface + client.frame(.ping(ack: false, data: 1)))[...])
        guard case .connectionError(let error)? = events.first else {
            Issue.record("no error")
            return
        }
        #expect(error.code == .protocolError)
    }

    @Test func fullRequestResponseWithTrailers() throws {
        var h = try Harness()
        let request = TestClient.request()
        var events = h.send(h.client.headers(1, request))
        #expect(events == [.headers(streamID: 1, fields: request, endStream: false)])
        events = h.send(h.client.data(1, [0, 0, 0, 0, 2, 8, 1]))
        #expect(events == [.data(streamID: 1, bytes: [0, 0, 0, 0, 2, 8, 1], endStream: false)])
        events = h.send(h.client.data(1, [], endStream: true))
        #expect(events == [.data(streamID: 1, bytes: [], endStream: true)])
        #expect(h.connection.isStreamOpen(1))

        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200"),
                                                       HeaderField(name: "content-type", value: "application/grpc")],
                                 endStream: false)
        h.connection.sendData(streamID: 1, bytes: [0, 0, 0, 0, 1, 42], endStream: false)
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: "grpc-status", value: "0")], endStream: true)
        #expect(h.connection.queuedBytes(streamID: 1) == 6)
        let frames = try h.output()
        #expect(frames.count == 3)
        guard case .headers(1, let block, false, true, nil) = frames[0],
            case .data(1, [0, 0, 0, 0, 1, 42], false, _) = frames[1],
            case .headers(1, let trailerBlock, true, true, nil) = frames[2]
        else {
            Issue.record("unexpected frames \(frames)")
            return
        }
        #expect(try h.client.decode(block) == [HeaderField(name: ":status", value: "200"),
                                                HeaderField(name: "content-type", value: "application/grpc")])
        #expect(try h.client.decode(trailerBlock) == [HeaderField(name: "grpc-status", value: "0")])
        #expect(!h.connection.isStreamOpen(1))
        #expect(h.connection.openStreamCount == 0)
        #expect(h.connection.totalQueuedBytes == 0)
    }

    @Test func endingBeforeTheClientSendsRstNoError() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))  // client keeps the stream open (bidi)
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: false)
        h.connection.sendData(streamID: 1, bytes: [1, 2, 3], endStream: false)
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: "grpc-status", value: "0")], endStream: true)
        let frames = try h.output()
        #expect(frames.count == 4)
        #expect(frames.last == .rstStream(streamID: 1, errorCode: 0))
        #expect(!h.connection.isStreamOpen(1))
        // Late client DATA and trailers on the reset stream are ignored (HPACK still decoded).
        var events = h.send(h.client.data(1, [9, 9]))
        events += h.send(h.client.headers(1, [HeaderField(name: "x-trailer", value: "1")], endStream: true))
        #expect(events.isEmpty)
        #expect(try h.output().isEmpty)
        // Even a new HEADERS block on the reset stream is only decoded and dropped.
        #expect(h.send(h.client.headers(1, endStream: true)).isEmpty)
        #expect(!h.connection.isClosed)
    }

    @Test func halfClosedLocalWhenResetDisabled() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.resetStreamsClosedBeforeRequestEnd = false
        var h = try Harness(configuration: configuration)
        _ = h.send(h.client.headers(1))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: true)
        #expect(try h.output().count == 1)
        #expect(h.connection.isStreamOpen(1))
        let events = h.send(h.client.data(1, [5], endStream: true))
        #expect(events == [.data(streamID: 1, bytes: [5], endStream: true)])
        #expect(!h.connection.isStreamOpen(1))
    }

    @Test func pingIsAcknowledgedWithSamePayload() throws {
        var h = try Harness()
        for _ in 0..<50 {
            #expect(h.send(h.client.frame(.ping(ack: false, data: 0x0204_1010_090E_0707))).isEmpty)
        }
        _ = h.send(h.client.frame(.ping(ack: true, data: 7)))
        let frames = try h.output()
        #expect(frames.count == 50)
        #expect(frames.allSatisfy { $0 == .ping(ack: true, data: 0x0204_1010_090E_0707) })
    }

    @Test func peerGoAwayIsReportedAndNewStreamsRefused() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        let events = h.send(h.client.frame(.goAway(lastStreamID: 0, errorCode: 0x1234, debugData: [])))
        #expect(events == [.goAway(lastStreamID: 0, code: .internalError)])
        #expect(try h.expectStreamError(h.client.headers(3, endStream: true), streamID: 3, .refusedStream))
        #expect(!h.connection.isClosed)
        h.connection.resetStream(streamID: 1, code: .cancel)
        #expect(try h.output() == [.rstStream(streamID: 1, errorCode: 8)])
        #expect(h.connection.isClosed)
    }

    @Test func gracefulGoAway() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1, endStream: true))
        _ = h.send(h.client.headers(3, endStream: true))
        h.connection.goAway(code: .noError, debugData: Array("bye".utf8))
        #expect(try h.output() == [.goAway(lastStreamID: 3, errorCode: 0, debugData: Array("bye".utf8))])
        #expect(!h.connection.isClosed)
        #expect(try h.expectStreamError(h.client.headers(5, endStream: true), streamID: 5, .refusedStream))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: true)
        h.connection.sendHeaders(streamID: 3, fields: [HeaderField(name: ":status", value: "200")], endStream: true)
        #expect(try h.output().count == 2)
        #expect(h.connection.isClosed)
    }

    @Test func peerResetIsReportedAndDropsOutput() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        h.connection.sendData(streamID: 1, bytes: [1, 2, 3], endStream: false)
        #expect(h.connection.totalQueuedBytes == 3)
        let events = h.send(h.client.frame(.rstStream(streamID: 1, errorCode: 8)))
        #expect(events == [.streamReset(streamID: 1, code: .cancel)])
        #expect(h.connection.totalQueuedBytes == 0)
        #expect(try h.output().isEmpty)
        // Sends on a reset stream are ignored.
        h.connection.sendData(streamID: 1, bytes: [1], endStream: true)
        #expect(try h.output().isEmpty)
        // A later DATA on it is STREAM_CLOSED.
        #expect(try h.expectStreamError(h.client.data(1, [1]), streamID: 1, .streamClosed))
    }

    @Test func applicationResetStream() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        h.connection.sendData(streamID: 1, bytes: [1, 2, 3], endStream: false)
        h.connection.resetStream(streamID: 1, code: .cancel)
        #expect(try h.output() == [.rstStream(streamID: 1, errorCode: 8)])
        #expect(h.connection.totalQueuedBytes == 0)
    }

    @Test func manyStreamsInterleaveRoundRobin() throws {
        var h = try Harness()
        for id in stride(from: UInt32(1), through: 9, by: 2) {
            _ = h.send(h.client.headers(id, endStream: true))
            h.connection.sendData(streamID: id, bytes: [UInt8](repeating: UInt8(id), count: 40000), endStream: true)
        }
        let frames = try h.output()
        let dataStreams = frames.compactMap { frame -> UInt32? in
            if case .data(let id, _, _, _) = frame { return id }
            return nil
        }
        // Connection window 65535: the first round serves each stream once.
        #expect(Array(dataStreams.prefix(4)) == [1, 3, 5, 7])
        let total = frames.reduce(0) { sum, frame in
            if case .data(_, let bytes, _, _) = frame { return sum + bytes.count }
            return sum
        }
        #expect(total == 65535)
        #expect(h.connection.totalQueuedBytes == 200_000 - 65535)
    }
}
