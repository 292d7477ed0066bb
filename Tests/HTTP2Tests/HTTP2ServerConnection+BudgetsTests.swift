import HPACK
import Testing
@testable import HTTP2

/// Flood budgets: each flood ends in GOAWAY(ENHANCE_YOUR_CALM); time and useful work refill.
@Suite struct HTTP2ServerConnectionBudgetsTests {
    static let second: UInt64 = 1_000_000_000

    static func small(control: Int = 20, controlRate: Int = 10, resets: Int = 5, resetRate: Int = 2)
        -> HTTP2ServerConfiguration
    {
        var configuration = HTTP2ServerConfiguration()
        configuration.controlFrameBurst = control
        configuration.controlFramesPerSecond = controlRate
        configuration.streamResetBurst = resets
        configuration.streamResetsPerSecond = resetRate
        return configuration
    }

    /// Sends `frame` `count` times at time `now`; returns the index of the frame that failed the
    /// connection (nil if none did) and checks the error is ENHANCE_YOUR_CALM with a GOAWAY.
    static func flood(_ h: inout Harness, _ bytes: [UInt8], count: Int, now: UInt64 = 0) throws -> Int? {
        for i in 0..<count {
            let events = h.connection.receive(bytes[...], now: now)
            if case .connectionError(let error)? = events.last {
                #expect(error.code == .enhanceYourCalm)
                let frames = try h.output()
                #expect(frames.last.map { if case .goAway(_, 11, _) = $0 { true } else { false } } == true)
                #expect(h.connection.isClosed)
                return i
            }
        }
        return nil
    }

    // The handshake's SETTINGS (1 + its parameters) and SETTINGS ACK already spent 2 tokens.
    @Test(arguments: [
        ("PING", HTTP2Frame.ping(ack: false, data: 7)),
        ("PING ACK", .ping(ack: true, data: 7)),
        ("WINDOW_UPDATE", .windowUpdate(streamID: 0, increment: 1)),
        ("PRIORITY", .priority(streamID: 9, HTTP2PriorityInfo(exclusive: false, dependency: 0, weight: 16))),
        ("SETTINGS", .settings(ack: false, [])),
        ("SETTINGS ACK", .settings(ack: true, [])),
        ("unknown type", .unknown(type: 0x42, flags: 0, streamID: 0, payload: [1, 2])),
    ])
    func controlFrameFloodIsCutOff(name: String, frame: HTTP2Frame) throws {
        var h = try Harness(configuration: Self.small())
        let failedAt = try Self.flood(&h, h.client.frame(frame), count: 100)
        #expect(failedAt == 18, "\(name)")
    }

    @Test func emptyDataFloodIsCutOff() throws {
        var h = try Harness(configuration: Self.small())
        _ = h.send(h.client.headers(1))
        let empty = h.client.data(1, [])
        #expect(try Self.flood(&h, empty, count: 100) == 18)
        // DATA with payload or END_STREAM is request progress and costs nothing.
        h = try Harness(configuration: Self.small())
        _ = h.send(h.client.headers(1))
        #expect(try Self.flood(&h, h.client.data(1, [1]), count: 100) == nil)
        _ = h.send(h.client.data(1, [], endStream: true))
        #expect(!h.connection.isClosed)
    }

    @Test func settingsPayForEachParameter() throws {
        var h = try Harness(configuration: Self.small())
        let many = h.client.frame(.settings(ack: false, (0..<9).map { HTTP2Setting(0xF000 + UInt16($0), 1) }))
        // 18 tokens left: one frame of 9 parameters costs 10, the second cannot be paid.
        #expect(try Self.flood(&h, many, count: 3) == 1)
    }

    @Test func timeRefillsTheControlBudget() throws {
        var h = try Harness(configuration: Self.small())
        let ping = h.client.frame(.ping(ack: false, data: 1))
        _ = h.connection.receive([][...], now: 0)
        #expect(try Self.flood(&h, ping, count: 18, now: 0) == nil)
        #expect(h.connection.controlFrameTokens == 0)
        // 10 tokens per second: half a second later, 5 more PINGs pass and the 6th fails.
        #expect(try Self.flood(&h, ping, count: 5, now: Self.second / 2) == nil)
        #expect(try Self.flood(&h, ping, count: 1, now: Self.second / 2) == 0)
    }

    @Test func sustainedRateWithinTheBudgetIsNeverCutOff() throws {
        var h = try Harness(configuration: Self.small())
        let ping = h.client.frame(.ping(ack: false, data: 1))
        // 10 per second for a simulated hour (one every 100 ms).
        for tick in 0..<36_000 {
            let events = h.connection.receive(ping[...], now: UInt64(tick) * Self.second / 10)
            guard events.isEmpty else {
                Issue.record("cut off at tick \(tick): \(events)")
                return
            }
        }
        _ = try h.output()
    }

    @Test func responseDataEarnsControlFrameCredit() throws {
        // A reader that returns credit for what it reads (grpc-go: WINDOW_UPDATE per window/4 and a
        // BDP PING per burst) is paid for by the data: no time passes in this test at all.
        var configuration = Self.small()
        configuration.controlFrameCreditBytes = 1024
        var h = try Harness(configuration: configuration, clientSettings: [HTTP2Setting(HTTP2SettingID.initialWindowSize, 16384)])
        _ = h.send(h.client.headers(1, endStream: true))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: false)
        h.connection.sendData(streamID: 1, bytes: [UInt8](repeating: 7, count: 4 << 20), endStream: true)
        var received = 0
        while received < 4 << 20 {
            for frame in try h.output() {
                if case .data(_, let bytes, _, _) = frame { received += bytes.count }
            }
            // Per 16 KiB: a stream and a connection WINDOW_UPDATE and a PING (3 frames for 16 tokens).
            var reply = h.client.frame(.windowUpdate(streamID: 1, increment: 16384))
            reply += h.client.frame(.windowUpdate(streamID: 0, increment: 16384))
            reply += h.client.frame(.ping(ack: false, data: 0x0204_1010_090E_0707))
            let events = h.send(reply)
            if case .connectionError(let error)? = events.last {
                Issue.record("cut off after \(received) octets: \(error)")
                return
            }
        }
        #expect(received == 4 << 20)
    }

    @Test func aPingForEverySmallDataFrameIsPaidFor() throws {
        // grpc-go's BDP estimator on a watch of small, spaced-out events: a PING after each DATA
        // frame (the previous ACK is back before the next frame). No time passes in this test.
        var h = try Harness(configuration: Self.small())
        _ = h.send(h.client.headers(1))
        h.connection.sendHeaders(streamID: 1, fields: [HeaderField(name: ":status", value: "200")], endStream: false)
        for i in 0..<5000 {
            h.connection.sendData(streamID: 1, bytes: [UInt8(i & 0xFF)], endStream: false)
            _ = try h.output()
            var reply = h.client.frame(.ping(ack: false, data: UInt64(i)))
            if i % 50 == 49 {
                reply += h.client.frame(.windowUpdate(streamID: 0, increment: 50))
                reply += h.client.frame(.windowUpdate(streamID: 1, increment: 50))
            }
            let events = h.send(reply)
            guard events.isEmpty else {
                Issue.record("cut off after \(i) frames: \(events)")
                return
            }
        }
    }

    @Test func rapidResetIsCutOff() throws {
        var h = try Harness(configuration: Self.small())
        var streamID: UInt32 = 1
        var cutAt: Int?
        for i in 0..<50 {
            _ = h.send(h.client.headers(streamID))
            let events = h.connection.receive(h.client.frame(.rstStream(streamID: streamID, errorCode: 8))[...], now: 0)
            streamID += 2
            if case .connectionError(let error)? = events.last {
                #expect(error.code == .enhanceYourCalm)
                cutAt = i
                break
            }
        }
        #expect(cutAt == 5)
        #expect(h.connection.isClosed)
    }

    @Test func resetsRefillWithTime() throws {
        var h = try Harness(configuration: Self.small())
        var streamID: UInt32 = 1
        // 2 resets per second sustained, for a simulated minute.
        for tick in 0..<120 {
            _ = h.send(h.client.headers(streamID))
            let events = h.connection.receive(h.client.frame(.rstStream(streamID: streamID, errorCode: 8))[...],
                                              now: UInt64(tick) * Self.second / 2)
            #expect(events == [.streamReset(streamID: streamID, code: .cancel)])
            streamID += 2
        }
    }

    @Test func streamErrorsCountAsResets() throws {
        // Frames that each draw a RST_STREAM (here PRIORITY depending on itself) are a reset flood.
        var h = try Harness(configuration: Self.small())
        var cutAt: Int?
        for i in 0..<50 {
            let id = UInt32(2 * i + 1)
            let events = h.send(h.client.frame(.priority(streamID: id, HTTP2PriorityInfo(exclusive: false, dependency: id,
                                                                                          weight: 1))))
            if case .connectionError(let error)? = events.last {
                #expect(error.code == .enhanceYourCalm)
                cutAt = i
                break
            }
        }
        #expect(cutAt == 5)
    }

    @Test func continuationFramesPerBlockAreBounded() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.maxContinuationFrames = 4
        var h = try Harness(configuration: configuration)
        let block = h.client.headerBlock(TestClient.request())
        _ = h.send(h.client.frame(.headers(streamID: 1, headerBlock: Array(block[..<4]), endStream: true, endHeaders: false,
                                           priority: nil)))
        for _ in 0..<3 {
            #expect(h.send(h.client.frame(.continuation(streamID: 1, headerBlock: [], endHeaders: false))).isEmpty)
        }
        // The 4th CONTINUATION may end the block...
        #expect(h.send(h.client.frame(.continuation(streamID: 1, headerBlock: Array(block[4...]), endHeaders: true)))
            == [.headers(streamID: 1, fields: TestClient.request(), endStream: true)])
        // ...but a block that needs a 5th is refused, even with empty fragments.
        _ = h.send(h.client.frame(.headers(streamID: 3, headerBlock: [], endStream: true, endHeaders: false, priority: nil)))
        for _ in 0..<4 {
            _ = h.send(h.client.frame(.continuation(streamID: 3, headerBlock: [], endHeaders: false)))
        }
        #expect(try h.expectConnectionError(h.client.frame(.continuation(streamID: 3, headerBlock: [], endHeaders: false)),
                                            .enhanceYourCalm))
    }

    @Test func headerBlockOctetsAcrossContinuationAreBounded() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.maxHeaderBlockBytes = 20000
        configuration.maxContinuationFrames = 100
        var h = try Harness(configuration: configuration)
        _ = h.send(h.client.frame(.headers(streamID: 1, headerBlock: [UInt8](repeating: 0x40, count: 8000), endStream: true,
                                           endHeaders: false, priority: nil)))
        #expect(h.send(h.client.frame(.continuation(streamID: 1, headerBlock: [UInt8](repeating: 0, count: 8000),
                                                    endHeaders: false))).isEmpty)
        #expect(try h.expectConnectionError(h.client.frame(.continuation(streamID: 1, headerBlock: [UInt8](repeating: 0,
                                                                                                           count: 8000),
                                                                         endHeaders: false)), .enhanceYourCalm))
    }

    @Test func defaultsLeaveRoomForAClientsOrdinaryControlTraffic() throws {
        // Default budgets: a client's start-up (SETTINGS with 6 parameters, a connection
        // WINDOW_UPDATE), a keepalive PING every 10 s for a simulated day, never cut off.
        var h = try Harness(clientSettings: (1...6).map { HTTP2Setting(UInt16($0), 4096) }.filter {
            $0.identifier != HTTP2SettingID.enablePush && $0.identifier != HTTP2SettingID.maxFrameSize
                && $0.identifier != HTTP2SettingID.initialWindowSize })
        _ = h.send(h.client.frame(.windowUpdate(streamID: 0, increment: 1 << 20)))
        for tick in 0..<8640 {
            let events = h.connection.receive(h.client.frame(.ping(ack: false, data: UInt64(tick)))[...],
                                              now: UInt64(tick) * 10 * Self.second)
            #expect(events.isEmpty)
        }
        #expect(h.connection.controlFrameTokens > 9000)
    }
}

/// `bucket.take(n)` outside `#expect` (the macro cannot call mutating members).
private func taken(_ bucket: inout TokenBucket, _ count: Int = 1) -> Bool {
    bucket.take(count)
}

@Suite struct TokenBucketTests {
    @Test func startsFullAndRefillsAtItsRate() {
        var bucket = TokenBucket(capacity: 10, perSecond: 4)
        bucket.refill(now: 5_000_000_000)
        #expect(bucket.tokens == 10)
        #expect(taken(&bucket, 10))
        #expect(!taken(&bucket))
        bucket.refill(now: 5_250_000_000)  // +1
        #expect(bucket.tokens == 1)
        bucket.refill(now: 5_375_000_000)  // +0.5: kept exactly
        #expect(bucket.tokens == 1)
        bucket.refill(now: 5_500_000_000)  // +0.5
        #expect(bucket.tokens == 2)
        bucket.refill(now: 900_000_000_000)  // long idle: capped
        #expect(bucket.tokens == 10)
    }

    @Test func timeGoingBackwardsAndHugeValuesAreHarmless() {
        var bucket = TokenBucket(capacity: 1 << 30, perSecond: 1 << 30)
        bucket.refill(now: 10)
        #expect(taken(&bucket, 1 << 30))
        bucket.refill(now: 5)
        #expect(bucket.tokens == 0)
        bucket.refill(now: UInt64.max)
        #expect(bucket.tokens == 1 << 30)
        bucket.give(Int.max)
        #expect(bucket.tokens == 1 << 30)
        #expect(!taken(&bucket, Int.max))
    }

    @Test func earnedTokensAreCapped() {
        var bucket = TokenBucket(capacity: 3, perSecond: 0)
        #expect(taken(&bucket, 3))
        bucket.give(2)
        #expect(bucket.tokens == 2)
        bucket.give(5)
        #expect(bucket.tokens == 3)
        bucket.refill(now: 1)
        bucket.refill(now: 1_000_000_000_000)
        #expect(bucket.tokens == 3)
    }
}

@Suite struct ClosedStreamsTests {
    @Test func firstClosureWinsAndOldOnesAreForgotten() {
        var closed = ClosedStreams(capacity: 3)
        closed.record(1, .resetLocally)
        closed.record(1, .resetByPeer)
        #expect(closed[1] == .resetLocally)
        closed.record(3, .finished)
        closed.record(5, .resetByPeer)
        closed.record(7, .finished)
        #expect(closed[1] == nil)
        #expect(closed[3] == .finished && closed[5] == .resetByPeer && closed[7] == .finished)
    }
}
