import HPACK
import Testing
@testable import HTTP2

@Suite struct HeaderValidationTests {
    static func request(_ pairs: [(String, String)]) -> [HeaderField] {
        pairs.map { HeaderField(name: $0.0, value: $0.1) }
    }

    static let base: [(String, String)] = [(":method", "POST"), (":scheme", "http"), (":path", "/a"),
                                           (":authority", "x")]

    @Test func validRequests() {
        #expect(HeaderValidation.validateRequest(Self.request(Self.base + [("te", "trailers"), ("content-type", "application/grpc")]))
            == .valid(contentLength: nil))
        #expect(HeaderValidation.validateRequest(Self.request(Self.base + [("content-length", "12")]))
            == .valid(contentLength: 12))
        #expect(HeaderValidation.validateRequest(Self.request([(":method", "GET"), (":scheme", "https"), (":path", "*")]))
            == .valid(contentLength: nil))
        #expect(HeaderValidation.validateRequest(Self.request([(":method", "CONNECT"), (":authority", "h:1")]))
            == .valid(contentLength: nil))
    }

    // h2spec 8.1.2.x cases: each is a stream PROTOCOL_ERROR.
    static let malformed: [(String, [(String, String)])] = [
        ("uppercase name", base + [("X-Upper", "1")]),
        ("unknown pseudo-header", base + [(":foo", "1")]),
        ("response pseudo-header", base + [(":status", "200")]),
        ("pseudo-header after regular", [(":method", "POST"), ("x", "1"), (":scheme", "http"), (":path", "/")]),
        ("duplicate :method", base + [(":method", "GET")]),
        ("duplicate :scheme", [(":method", "POST"), (":scheme", "http"), (":scheme", "http"), (":path", "/")]),
        ("duplicate :path", [(":method", "POST"), (":scheme", "http"), (":path", "/"), (":path", "/")]),
        ("missing :method", [(":scheme", "http"), (":path", "/")]),
        ("missing :scheme", [(":method", "POST"), (":path", "/")]),
        ("missing :path", [(":method", "POST"), (":scheme", "http")]),
        ("empty :path", [(":method", "POST"), (":scheme", "http"), (":path", "")]),
        ("connection header", base + [("connection", "keep-alive")]),
        ("keep-alive header", base + [("keep-alive", "1")]),
        ("transfer-encoding header", base + [("transfer-encoding", "chunked")]),
        ("upgrade header", base + [("upgrade", "h2c")]),
        ("te not trailers", base + [("te", "gzip")]),
        ("bad content-length", base + [("content-length", "1x")]),
        ("conflicting content-length", base + [("content-length", "1"), ("content-length", "2")]),
        ("NUL in value", base + [("x", "a\u{0}b")]),
        ("CR in value", base + [("x", "a\rb")]),
        ("colon in name", base + [("x:y", "1")]),
        ("space in name", base + [("x y", "1")]),
        ("empty name", base + [("", "1")]),
    ]

    @Test(arguments: malformed)
    func malformedRequests(name: String, pairs: [(String, String)]) throws {
        if case .valid = HeaderValidation.validateRequest(Self.request(pairs)) {
            Issue.record("\(name) accepted")
        }
        var h = try Harness()
        #expect(try h.expectStreamError(h.client.headers(1, Self.request(pairs), endStream: true), streamID: 1,
                                        .protocolError), "\(name)")
        // The connection is still usable.
        #expect(h.send(h.client.headers(3, endStream: true)).count == 1)
    }

    @Test func trailersMustNotCarryPseudoHeaders() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        let events = h.send(h.client.headers(1, Self.request([(":path", "/x")]), endStream: true))
        #expect(events == [.streamReset(streamID: 1, code: .protocolError)])
        #expect(try h.output() == [.rstStream(streamID: 1, errorCode: 1)])
    }

    @Test func trailersWithoutEndStreamAreRejected() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        #expect(try h.expectStreamError(h.client.headers(1, Self.request([("x-trailer", "1")]), endStream: false),
                                        streamID: 1, .protocolError))
    }

    @Test func validTrailersEndTheRequest() throws {
        var h = try Harness()
        _ = h.send(h.client.headers(1))
        _ = h.send(h.client.data(1, [1, 2]))
        let trailers = Self.request([("x-checksum", "abc")])
        let events = h.send(h.client.headers(1, trailers, endStream: true))
        #expect(events == [.headers(streamID: 1, fields: trailers, endStream: true)])
        #expect(h.connection.isStreamOpen(1))  // half-closed (remote): we can still respond
        #expect(try h.expectStreamError(h.client.data(1, [1]), streamID: 1, .streamClosed))
    }

    @Test func contentLengthMismatch() throws {
        var h = try Harness()
        // Single DATA shorter than content-length.
        _ = h.send(h.client.headers(1, TestClient.request(extra: [("content-length", "10")])))
        #expect(try h.expectStreamError(h.client.data(1, [1, 2, 3], endStream: true), streamID: 1, .protocolError))
        // Several DATA frames summing to more.
        _ = h.send(h.client.headers(3, TestClient.request(extra: [("content-length", "4")])))
        _ = h.send(h.client.data(3, [1, 2, 3]))
        #expect(try h.expectStreamError(h.client.data(3, [1, 2, 3]), streamID: 3, .protocolError))
        // HEADERS with END_STREAM and a non-zero content-length.
        #expect(try h.expectStreamError(h.client.headers(5, TestClient.request(extra: [("content-length", "1")]),
                                                         endStream: true), streamID: 5, .protocolError))
        // Exact match is fine (padding excluded).
        _ = h.send(h.client.headers(7, TestClient.request(extra: [("content-length", "5")])))
        _ = h.send(h.client.data(7, [1, 2], padding: 3))
        let events = h.send(h.client.data(7, [3, 4, 5], endStream: true))
        #expect(events == [.data(streamID: 7, bytes: [3, 4, 5], endStream: true)])
    }
}
