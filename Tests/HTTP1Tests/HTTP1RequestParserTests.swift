import Testing
@testable import HTTP1

/// Feeds `input` in pieces of the given sizes (cycled), draining events after every append.
private func parseRequests(_ input: [UInt8], splits: [Int] = [], limits: HTTP1Limits = .init(), finish: Bool = false)
    throws(HTTP1Error) -> [HTTP1RequestEvent] {
    var parser = HTTP1RequestParser(limits: limits)
    var events: [HTTP1RequestEvent] = []
    var offset = 0
    var i = 0
    while offset < input.count {
        let n = splits.isEmpty ? input.count : max(1, splits[i % splits.count])
        i += 1
        let end = min(input.count, offset + n)
        parser.append(input[offset..<end])
        offset = end
        while let e = try parser.next() { events.append(e) }
    }
    if finish {
        parser.finish()
        while let e = try parser.next() { events.append(e) }
    }
    return events
}

/// Merges adjacent body events so results are independent of how input was split.
private func coalesced(_ events: [HTTP1RequestEvent]) -> [HTTP1RequestEvent] {
    var out: [HTTP1RequestEvent] = []
    for e in events {
        if case .body(let b) = e, case .body(let a)? = out.last {
            out[out.count - 1] = .body(a + b)
        } else {
            out.append(e)
        }
    }
    return out
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

struct HTTP1RequestParserTests {
    static let pipelined = bytes(
        "POST /v3/kv/range?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"key\":\"YQ\"}\n"
        + "POST /v3/watch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
        + "GET /version HTTP/1.1\r\nhost: a\r\nConnection: close\r\n\r\n")

    static let expected: [HTTP1RequestEvent] = [
        .head(HTTPRequestHead(method: "POST", target: "/v3/kv/range?x=1", headers: [
            ("Host", "a"), ("Content-Type", "application/json"), ("Content-Length", "13"),
        ])),
        .body(bytes("{\"key\":\"YQ\"}\n")),
        .end,
        .head(HTTPRequestHead(method: "POST", target: "/v3/watch", headers: [("Host", "a"), ("Transfer-Encoding", "chunked")])),
        .body(bytes("hello0123456789")),
        .end,
        .head(HTTPRequestHead(method: "GET", target: "/version", headers: [("host", "a"), ("Connection", "close")])),
        .end,
    ]

    @Test func pipelinedWhole() throws {
        #expect(coalesced(try parseRequests(Self.pipelined)) == Self.expected)
    }

    @Test func pipelinedByteByByte() throws {
        #expect(coalesced(try parseRequests(Self.pipelined, splits: [1])) == Self.expected)
    }

    @Test func pipelinedRandomSplits() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let splits = (0..<8).map { _ in Int.random(in: 1...40, using: &rng) }
            #expect(coalesced(try parseRequests(Self.pipelined, splits: splits)) == Self.expected)
        }
    }

    @Test func headAccessors() throws {
        let events = try parseRequests(Self.pipelined)
        guard case .head(let h) = events[0], case .head(let g) = events.last(where: {
            if case .head = $0 { return true } else { return false }
        }) else { Issue.record("no head"); return }
        #expect(h.path == "/v3/kv/range")
        #expect(h.query == "x=1")
        #expect(h.headers["content-type"] == "application/json")
        #expect(h.headers["CONTENT-LENGTH"] == "13")
        #expect(h.keepAlive)
        #expect(!g.keepAlive)
        #expect(g.query == nil)
    }

    @Test func absoluteFormPath() {
        let h = HTTPRequestHead(method: "GET", target: "http://h:2379/v3/kv/range?a=b")
        #expect(h.path == "/v3/kv/range")
        #expect(HTTPRequestHead(method: "GET", target: "http://h").path == "/")
    }

    @Test func http10KeepAlive() throws {
        let e = try parseRequests(bytes("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        guard case .head(let a) = e[0], case .head(let b) = e[2] else { Issue.record("heads"); return }
        #expect(!a.keepAlive)
        #expect(b.keepAlive)
    }

    @Test func leadingEmptyLineAndBareLF() throws {
        let e = try parseRequests(bytes("\r\nGET /health HTTP/1.1\nHost: x\n\n"))
        #expect(e == [.head(HTTPRequestHead(method: "GET", target: "/health", headers: [("Host", "x")])), .end])
    }

    @Test func expectContinue() throws {
        let e = try parseRequests(bytes("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
        guard case .head(let h) = e.first else { Issue.record("head"); return }
        #expect(h.expectsContinue)
        #expect(e.count == 1)
    }

    @Test(arguments: [
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", HTTP1Error.malformedRequestLine("GET  / HTTP/1.1")),
        ("GET /\r\nHost: x\r\n\r\n", .malformedRequestLine("GET /")),
        ("G@T / HTTP/1.1\r\nHost: x\r\n\r\n", .malformedRequestLine("G@T / HTTP/1.1")),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", .unsupportedVersion("HTTP/2.0")),
        ("GET / HTTP/1.1\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .malformedHeader("Host : a")),
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .malformedHeader("NoColon")),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", .obsoleteLineFolding),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", .invalidContentLength("1x")),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength("-1")),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalidContentLength("1, 2")),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", .conflictingFraming),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding("gzip, chunked")),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .malformedHeader("transfer-encoding")),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .chunkedInHTTP10),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZ\r\n", .malformedChunk("invalid chunk size")),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", .malformedChunk("missing CRLF after chunk data")),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", .malformedChunk("chunk size too large")),
    ])
    func malformed(input: String, error: HTTP1Error) {
        #expect(throws: error) { try parseRequests(bytes(input)) }
        #expect(throws: error) { try parseRequests(bytes(input), splits: [1]) }
    }

    @Test func statusCodes() {
        #expect(HTTP1Error.headTooLarge(limit: 1).statusCode == 431)
        #expect(HTTP1Error.tooManyHeaders(limit: 1).statusCode == 431)
        #expect(HTTP1Error.bodyTooLarge(length: 2, limit: 1).statusCode == 413)
        #expect(HTTP1Error.unsupportedTransferEncoding("x").statusCode == 501)
        #expect(HTTP1Error.invalidHost.statusCode == 400)
    }

    @Test func errorIsSticky() throws {
        var p = HTTP1RequestParser()
        p.append(bytes("BAD\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(throws: HTTP1Error.self) { try p.next() }
        #expect(throws: HTTP1Error.self) { try p.next() }
    }

    @Test func headLimit() {
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 17_000) + "\r\n\r\n"
        #expect(throws: HTTP1Error.headTooLarge(limit: 16 * 1024)) { try parseRequests(bytes(big)) }
        // Without a line end the limit still triggers once enough bytes are buffered.
        let open = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 17_000)
        #expect(throws: HTTP1Error.headTooLarge(limit: 16 * 1024)) { try parseRequests(bytes(open), splits: [1000]) }
    }

    @Test func headerCountLimit() throws {
        let fields = (0..<100).map { "X-\($0): v\r\n" }.joined()
        let ok = "GET / HTTP/1.1\r\n" + fields + "\r\n"
        #expect(throws: HTTP1Error.invalidHost) { try parseRequests(bytes(ok)) }
        let ok99 = "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<99).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(try parseRequests(bytes(ok99)).count == 2)
        let tooMany = "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"
        #expect(throws: HTTP1Error.tooManyHeaders(limit: 100)) { try parseRequests(bytes(tooMany)) }
    }

    @Test func bodyLimits() throws {
        let limits = HTTP1Limits(maxBodyBytes: 10)
        #expect(throws: HTTP1Error.bodyTooLarge(length: 11, limit: 10)) {
            try parseRequests(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"), limits: limits)
        }
        #expect(throws: HTTP1Error.bodyTooLarge(length: 12, limit: 10)) {
            try parseRequests(bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n"), limits: limits)
        }
        let exact = try parseRequests(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"), limits: limits)
        #expect(coalesced(exact).dropFirst() == [.body(bytes("0123456789")), .end])
    }

    @Test func bodyLimitRaisedAfterHead() throws {
        var p = HTTP1RequestParser(limits: HTTP1Limits(maxBodyBytes: 4))
        p.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n0\r\n\r\n"))
        guard case .head? = try p.next() else { Issue.record("head"); return }
        p.limits.maxBodyBytes = 100
        #expect(try p.next() == .body(bytes("12345678")))
        #expect(try p.next() == .end)
        #expect(p.isIdle)
    }

    @Test func truncatedAtEOF() {
        #expect(throws: HTTP1Error.truncatedMessage) {
            try parseRequests(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab"), finish: true)
        }
        #expect(throws: HTTP1Error.truncatedMessage) { try parseRequests(bytes("GET / HT"), finish: true) }
    }

    @Test func cleanEOFBetweenRequests() throws {
        let e = try parseRequests(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), finish: true)
        #expect(e.count == 2)
    }

    @Test func bodyIsStreamedNotBuffered() throws {
        var p = HTTP1RequestParser()
        p.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc"))
        _ = try p.next()
        #expect(try p.next() == .body(bytes("abc")))
        #expect(try p.next() == nil)
        p.append(bytes("defGET"))
        #expect(try p.next() == .body(bytes("def")))
        #expect(try p.next() == .end)
        #expect(try p.next() == nil)
        #expect(p.bufferedByteCount == 3)
    }
}
