import HPACK
import Testing
@testable import HTTP2

/// Flow control of the client connection (RFC 9113 §5.2, §6.9): send windows, INITIAL_WINDOW_SIZE
/// deltas, frame splitting, receive credit (automatic and manual).
@Suite struct HTTP2ClientConnectionFlowControlTests {
    @Test func sendWindowsLimitDataAndSettingsDeltasApply() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 10)])
        let id = try client.openStream(headers: TestServerPeer.request(), endStream: false)
        client.sendData(streamID: id, bytes: Array(0..<25), endStream: true)
        var frames = try server.frames(client.takeOutput())
        #expect(frames.count == 2)
        #expect(frames[1] == .data(streamID: 1, bytes: Array(0..<10), endStream: false, flowControlledLength: 10))
        #expect(client.sendWindowSize(streamID: 1) == 0)
        _ = client.receive(server.frame(.windowUpdate(streamID: 1, increment: 5))[...])
        frames = try server.frames(client.takeOutput())
        #expect(frames == [.data(streamID: 1, bytes: Array(10..<15), endStream: false, flowControlledLength: 5)])
        // §6.9.2: INITIAL_WINDOW_SIZE 10 → 20 adds 10 to the open stream's window.
        _ = client.receive(server.settings([HTTP2Setting(HTTP2SettingID.initialWindowSize, 20)])[...])
        frames = try server.frames(client.takeOutput())
        #expect(frames == [.settings(ack: true, []),
                           .data(streamID: 1, bytes: Array(15..<25), endStream: true, flowControlledLength: 10)])
        #expect(client.totalQueuedBytes == 0)
    }

    @Test func settingsReductionCanMakeAWindowNegative() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 100)])
        let id = try client.openStream(headers: TestServerPeer.request(), endStream: false)
        client.sendData(streamID: id, bytes: Array(repeating: 1, count: 80), endStream: false)
        _ = try server.frames(client.takeOutput())
        _ = client.receive(server.settings([HTTP2Setting(HTTP2SettingID.initialWindowSize, 50)])[...])
        #expect(client.sendWindowSize(streamID: id) == -30)
        client.sendData(streamID: id, bytes: [2], endStream: true)
        #expect(try server.frames(client.takeOutput()) == [.settings(ack: true, [])])
        _ = client.receive(server.frame(.windowUpdate(streamID: id, increment: 31))[...])
        #expect(try server.frames(client.takeOutput()) == [.data(streamID: id, bytes: [2], endStream: true,
                                                                  flowControlledLength: 1)])
    }

    @Test func dataIsSplitAtTheServerMaxFrameSizeAndConnectionWindow() throws {
        var (client, server) = try readyClient(serverSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 1 << 20)])
        let id = try client.openStream(headers: TestServerPeer.request(), endStream: false)
        client.sendData(streamID: id, bytes: Array(repeating: 3, count: 100_000), endStream: true)
        let frames = try server.frames(client.takeOutput())
        let sizes = frames.compactMap { frame -> Int? in
            if case .data(_, let bytes, _, _) = frame { return bytes.count }
            return nil
        }
        #expect(sizes == [16384, 16384, 16384, 16383])  // 65535 connection window
        _ = client.receive(server.frame(.windowUpdate(streamID: 0, increment: 100_000))[...])
        let rest = try server.frames(client.takeOutput())
        #expect(rest.count == 3)
        let tail = 100_000 - 65535 - 2 * 16384
        let expected = HTTP2Frame.data(streamID: id, bytes: Array(repeating: 3, count: tail), endStream: true,
                                       flowControlledLength: tail)
        #expect(rest.last == expected)
    }

    @Test func automaticReceiveCreditIsReturnedAtAQuarterOfTheWindow() throws {
        var configuration = HTTP2ClientConfiguration()
        configuration.initialStreamWindowSize = 1000
        configuration.connectionWindowSize = 65535
        var (client, server) = try readyClient(configuration: configuration)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        _ = client.receive((server.headers(1, TestServerPeer.response()) + server.data(1, Array(repeating: 1, count: 200)))[...])
        #expect(client.takeOutput().isEmpty)
        _ = client.receive(server.data(1, Array(repeating: 1, count: 40), padding: 19)[...])
        #expect(try server.frames(client.takeOutput()) == [.windowUpdate(streamID: 1, increment: 260)])
        // The window is back to 1000: one octet more than that in flight is an overrun.
        let events = client.receive(server.data(1, Array(repeating: 1, count: 1001))[...])
        #expect(events == [.streamClosed(streamID: 1, reason: .protocolError(
            .stream(1, .flowControlError, "stream receive window exceeded")))])
    }

    @Test func manualStreamsReturnCreditOnlyWhenReleased() throws {
        var configuration = HTTP2ClientConfiguration()
        configuration.initialStreamWindowSize = 1000
        var (client, server) = try readyClient(configuration: configuration)
        let id = try client.openStream(headers: TestServerPeer.request(), endStream: false, manualFlowControl: true)
        _ = try server.frames(client.takeOutput())
        _ = client.receive((server.headers(id, TestServerPeer.response())
            + server.data(id, Array(repeating: 1, count: 600), padding: 99))[...])
        // Only the padding (and its length octet) is returned by itself; 100 < 250 so nothing yet.
        #expect(client.takeOutput().isEmpty)
        #expect(client.unreleasedBytes(streamID: id) == 600)
        _ = client.receive(server.data(id, Array(repeating: 1, count: 300))[...])
        #expect(client.takeOutput().isEmpty)
        #expect(client.unreleasedBytes(streamID: id) == 900)
        client.releaseCredit(streamID: id, count: 200)
        #expect(try server.frames(client.takeOutput()) == [.windowUpdate(streamID: id, increment: 300)])
        client.releaseCredit(streamID: id, count: 10_000)  // clamped to what was received
        #expect(try server.frames(client.takeOutput()) == [.windowUpdate(streamID: id, increment: 700)])
        #expect(client.unreleasedBytes(streamID: id) == 0)
    }

    @Test func connectionWindowOverrunIsAConnectionError() throws {
        var configuration = HTTP2ClientConfiguration()
        configuration.connectionWindowSize = 65535
        configuration.initialStreamWindowSize = 1 << 20
        configuration.windowUpdateDivisor = 1
        var (client, server) = try readyClient(configuration: configuration)
        _ = try client.openStream(headers: TestServerPeer.request(), endStream: true)
        _ = try server.frames(client.takeOutput())
        var bytes = server.headers(1, TestServerPeer.response())
        for _ in 0..<4 { bytes += server.data(1, Array(repeating: 0, count: 16384)) }
        let events = client.receive(bytes[...])
        #expect(events.last == .connectionError(.connection(.flowControlError, "connection receive window exceeded")))
    }
}
