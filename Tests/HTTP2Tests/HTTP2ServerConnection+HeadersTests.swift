import HPACK
import Testing
@testable import HTTP2

@Suite struct HTTP2ServerConnectionHeadersTests {
    @Test func continuationIsReassembledInEveryFeedMode() throws {
        var client = TestClient()
        let fields = TestClient.request(extra: [("x-long", String(repeating: "z", count: 300))])
        let block = client.headerBlock(fields)
        var bytes = client.frame(.headers(streamID: 1, headerBlock: Array(block[0..<10]), endStream: true,
                                          endHeaders: false, priority: nil))
        bytes += client.frame(.continuation(streamID: 1, headerBlock: Array(block[10..<100]), endHeaders: false))
        bytes += client.frame(.continuation(streamID: 1, headerBlock: Array(block[100...]), endHeaders: true))
        let start = client.preface()
        try forEachFeedMode(start + bytes) { mode, chunks in
            var connection = HTTP2ServerConnection()
            var events: [HTTP2Event] = []
            for chunk in chunks { events += connection.receive(chunk) }
            #expect(events == [.headers(streamID: 1, fields: fields, endStream: true)], "\(mode)")
        }
    }

    @Test(arguments: [
        HTTP2Frame.data(streamID: 1, bytes: [], endStream: false, flowControlledLength: 0),
        .ping(ack: false, data: 0),
        .headers(streamID: 3, headerBlock: [0x82], endStream: true, endHeaders: true, priority: nil),
        .continuation(streamID: 3, headerBlock: [], endHeaders: true),
        .unknown(type: 0xBB, flags: 0, streamID: 1, payload: []),
        .priority(streamID: 1, HTTP2PriorityInfo(exclusive: false, dependency: 0, weight: 1)),
    ])
    func interleavingInsideHeaderBlockIsAConnectionError(frame: HTTP2Frame) throws {
        var h = try Harness()
        _ = h.send(h.client.frame(.headers(streamID: 1, headerBlock: [0x83], endStream: false, endHeaders: false,
                                           priority: nil)))
        #expect(try h.expectConnectionError(h.client.frame(frame), .protocolError))
    }

    @Test func hpackErrorsAreCompressionErrors() throws {
        for block: [UInt8] in [[0x80], [0xBE], [0x3F, 0xE2, 0x1F], [0x82, 0x20], [0x00, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]] {
            var h = try Harness()
            let frame = h.client.frame(.headers(streamID: 1, headerBlock: block, endStream: true, endHeaders: true,
                                                priority: nil))
            #expect(try h.expectConnectionError(frame, .compressionError))
        }
    }

    @Test func streamIDsMustIncrease() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(5, endStream: true))
        #expect(try h.expectConnectionError(h.client.headers(3, endStream: true), .protocolError))
        #expect(h.connection.connectionError?.code == .protocolError)
    }

    @Test func maxConcurrentStreamsRefusesExcessButKeepsHPACKState() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.maxConcurrentStreams = 2
        var h = try Harness(configuration: configuration)
        _ = h.send(h.client.headers(1))
        _ = h.send(h.client.headers(3))
        let custom = TestClient.request(extra: [("x-new-header", "indexed-value")])
        #expect(try h.expectStreamError(h.client.headers(5, custom), streamID: 5, .refusedStream))
        // DATA already in flight for the refused stream is ignored.
        #expect(h.send(h.client.data(5, [1, 2])).isEmpty)
        h.connection.resetStream(streamID: 1, code: .cancel)
        _ = try h.output()
        // The next block refers to the entry the refused block inserted.
        let events = h.send(h.client.headers(7, custom, endStream: true))
        #expect(events == [.headers(streamID: 7, fields: custom, endStream: true)])
    }

    @Test func headerListLargerThanLimitIsAStreamError() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.maxHeaderListSize = 1000
        var h = try Harness(configuration: configuration)
        let big = TestClient.request(extra: [("x-big", String(repeating: "a", count: 2000))])
        #expect(try h.expectStreamError(h.client.headers(1, big), streamID: 1, .protocolError))
        #expect(h.send(h.client.headers(3, endStream: true)).count == 1)
    }

    @Test func oversizedHeaderBlockIsRejected() throws {
        var configuration = HTTP2ServerConfiguration()
        configuration.maxHeaderListSize = 1000
        var h = try Harness(configuration: configuration)
        var bytes = h.client.frame(.headers(streamID: 1, headerBlock: [UInt8](repeating: 0x82, count: 10000),
                                           endStream: false, endHeaders: false, priority: nil))
        bytes += h.client.frame(.continuation(streamID: 1, headerBlock: [UInt8](repeating: 0x82, count: 10000),
                                              endHeaders: false))
        #expect(try h.expectConnectionError(bytes, .enhanceYourCalm))
    }
}
