import HPACK
import Testing
@testable import HTTP2

@Suite struct HTTP2ServerConnectionSendingTests {
    static let ok = [HeaderField(name: ":status", value: "200")]

    func dataLengths(_ frames: [HTTP2Frame]) -> [Int] {
        frames.compactMap { if case .data(_, let bytes, _, _) = $0 { bytes.count } else { nil } }
    }

    @Test func outputBlocksAtStreamWindowAndResumesOnWindowUpdate() throws {
        var h = try Harness(clientSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 100)])
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendHeaders(streamID: 1, fields: Self.ok, endStream: false)
        h.connection.sendData(streamID: 1, bytes: [UInt8](repeating: 7, count: 250), endStream: false)
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: "grpc-status", value: "0")], endStream: true)
        var frames = try h.output()
        #expect(frames.count == 2)
        #expect(dataLengths(frames) == [100])
        #expect(h.connection.queuedBytes(streamID: 1) == 150)
        #expect(h.connection.sendWindowSize(streamID: 1) == 0)
        #expect(try h.output().isEmpty)

        var events = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 100)))
        #expect(events == [.windowAvailable])
        frames = try h.output()
        #expect(dataLengths(frames) == [100])

        events = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 1000)))
        frames = try h.output()
        #expect(dataLengths(frames) == [50])
        // Trailers follow the data, then the stream is closed.
        guard case .headers(1, _, true, true, _)? = frames.last else {
            Issue.record("no trailers: \(frames)")
            return
        }
        #expect(!h.connection.isStreamOpen(1))
    }

    @Test func outputBlocksAtConnectionWindow() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendData(streamID: 1, bytes: [UInt8](repeating: 1, count: 70000), endStream: true)
        var frames = try h.output()
        #expect(dataLengths(frames) == [16384, 16384, 16384, 16383])
        #expect(h.connection.connectionSendWindowSize == 0)
        _ = h.send(h.client.frame(.windowUpdate(streamID: 0, increment: 10000)))
        frames = try h.output()
        // Stream window (65535) is the limit now: 0 left on it.
        #expect(dataLengths(frames) == [])
        _ = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 10000)))
        frames = try h.output()
        #expect(dataLengths(frames) == [4465])
        guard case .data(1, _, true, _)? = frames.last else {
            Issue.record("no END_STREAM")
            return
        }
    }

    @Test func dataIsSplitAtPeerMaxFrameSize() throws {
        var h = try Harness(clientSettings: [HTTP2Setting(HTTP2SettingID.maxFrameSize, 20000),
                                             HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 20)])
        _ = h.send(h.client.frame(.windowUpdate(streamID: 0, increment: 1 << 20)))
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendData(streamID: 1, bytes: [UInt8](repeating: 1, count: 50000), endStream: true)
        #expect(dataLengths(try h.output()) == [20000, 20000, 10000])
    }

    @Test func smallMessagesAreCoalesced() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        for _ in 0..<10 {
            h.connection.sendData(streamID: 1, bytes: [1, 2, 3, 4, 5], endStream: false)
        }
        let frames = try h.output()
        #expect(frames == [.data(streamID: 1, bytes: [UInt8](repeating: 0, count: 0) + (0..<10).flatMap { _ in [1, 2, 3, 4, 5] },
                                 endStream: false, flowControlledLength: 50)])
    }

    @Test func emptyEndStreamDataNeedsNoWindow() throws {
        var h = try Harness(clientSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 0)])
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendHeaders(streamID: 1, fields: Self.ok, endStream: false)
        h.connection.sendData(streamID: 1, bytes: [], endStream: true)
        let frames = try h.output()
        #expect(frames.count == 2)
        #expect(frames.last == .data(streamID: 1, bytes: [], endStream: true, flowControlledLength: 0))
    }

    @Test func initialWindowSizeChangeAppliesToOpenStreamsIncludingNegative() throws {
        // h2spec 6.9.2: window 5 → send 5 → SETTINGS 3 makes it -2 → needs 2 + more credit.
        var h = try Harness(clientSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 5)])
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendData(streamID: 1, bytes: [UInt8](repeating: 9, count: 12), endStream: true)
        #expect(dataLengths(try h.output()) == [5])
        _ = h.send(h.client.frame(.settings(ack: false, [HTTP2Setting(HTTP2SettingID.initialWindowSize, 3)])))
        #expect(h.connection.sendWindowSize(streamID: 1) == -2)
        #expect(try h.output() == [.settings(ack: true, [])])
        _ = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 2)))
        #expect(dataLengths(try h.output()) == [])
        var events = h.send(h.client.frame(.settings(ack: false, [HTTP2Setting(HTTP2SettingID.initialWindowSize, 7)])))
        #expect(events == [.windowAvailable])
        #expect(dataLengths(try h.output()) == [4])
        events = h.send(h.client.frame(.windowUpdate(streamID: 1, increment: 100)))
        let frames = try h.output()
        #expect(dataLengths(frames) == [3])
        #expect(!h.connection.isStreamOpen(1))
    }

    @Test func largeHeaderBlocksUseContinuation() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1, endStream: true))
        let big = HeaderField(name: "x-big", value: String(repeating: "q", count: 40000))
        h.connection.sendHeaders(streamID: 1, fields: Self.ok + [big], endStream: true)
        let frames = try h.output()
        #expect(frames.count == 3)
        var block: [UInt8] = []
        for frame in frames {
            switch frame {
            case .headers(1, let fragment, true, false, nil), .continuation(1, let fragment, false):
                #expect(fragment.count == 16384)
                block += fragment
            case .continuation(1, let fragment, true):
                block += fragment
            default:
                Issue.record("unexpected \(frame)")
            }
        }
        #expect(try h.client.decode(block) == Self.ok + [big])
    }

    @Test func headerTableSizeSettingReachesTheEncoder() throws {
        var h = try Harness(clientSettings: [HTTP2Setting(HTTP2SettingID.headerTableSize, 0)])
        h.client.decoder.setMaxTableSize(0)
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: "x-custom", value: "v")], endStream: true)
        guard case .headers(_, let block, _, _, _)? = try h.output().first else {
            Issue.record("no headers")
            return
        }
        #expect(block.first == 0x20)  // size update to 0
        #expect(try h.client.decode(block) == [HeaderField(name: "x-custom", value: "v")])
        #expect(h.client.decoder.dynamicTableCount == 0)
    }

    @Test func sendsOnUnknownOrEndedStreamsAreIgnored() throws {
        var h = try Harness()
        h.connection.sendData(streamID: 1, bytes: [1], endStream: false)
        h.connection.sendHeaders(streamID: 3, fields: Self.ok, endStream: true)
        #expect(try h.output().isEmpty)
        _ = h.send(h.client.headers(5, endStream: true))
        h.connection.sendHeaders(streamID: 5, fields: Self.ok, endStream: true)
        h.connection.sendData(streamID: 5, bytes: [1], endStream: false)
        #expect(h.connection.totalQueuedBytes == 0)
        #expect(try h.output().count == 1)
    }
}
