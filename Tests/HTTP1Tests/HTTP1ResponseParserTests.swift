import Testing
@testable import HTTP1

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

private func parseResponses(_ input: [UInt8], split: Int? = nil, head: Bool = false, finish: Bool = true)
    throws(HTTP1Error) -> [HTTP1ResponseEvent] {
    var parser = HTTP1ResponseParser()
    parser.nextResponseIsForHEAD = head
    var out: [HTTP1ResponseEvent] = []
    var offset = 0
    while offset < input.count {
        let end = min(input.count, offset + (split ?? input.count))
        parser.append(input[offset..<end])
        offset = end
        while let e = try parser.next() { out.append(e) }
    }
    if finish {
        parser.finish()
        while let e = try parser.next() { out.append(e) }
    }
    var merged: [HTTP1ResponseEvent] = []
    for e in out {
        if case .body(let b) = e, case .body(let a)? = merged.last { merged[merged.count - 1] = .body(a + b) } else { merged.append(e) }
    }
    return merged
}

struct HTTP1ResponseParserTests {
    static let stream = bytes(
        "HTTP/1.1 100 Continue\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n0\r\n\r\n"
        + "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
        + "HTTP/1.0 200\r\n\r\nrest of stream")

    @Test(arguments: [nil, 1, 3, 7])
    func sequence(split: Int?) throws {
        let e = try parseResponses(Self.stream, split: split)
        #expect(e == [
            .head(HTTPResponseHead(status: 100, reason: "Continue")), .end,
            .head(HTTPResponseHead(status: 200, headers: [("Content-Length", "2")])), .body(bytes("ok")), .end,
            .head(HTTPResponseHead(status: 200, headers: [("Transfer-Encoding", "chunked")])), .body(bytes("{}\n")), .end,
            .head(HTTPResponseHead(status: 204, headers: [("Content-Length", "7")])), .end,
            .head(HTTPResponseHead(status: 200, reason: "", version: .http1_0)), .body(bytes("rest of stream")), .end,
        ])
    }

    @Test func headResponseHasNoBody() throws {
        let e = try parseResponses(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), head: true, finish: false)
        #expect(e.count == 2)
    }

    @Test func switchingProtocolsStops() throws {
        var p = HTTP1ResponseParser()
        p.append(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nRAW"))
        guard case .head(let h)? = try p.next() else { Issue.record("head"); return }
        #expect(h.status == 101)
        #expect(try p.next() == nil)
        #expect(p.takeRemainingBytes() == bytes("RAW"))
    }

    @Test func malformed() {
        #expect(throws: HTTP1Error.malformedStatusLine("HTTP/1.1 2000 OK")) { try parseResponses(bytes("HTTP/1.1 2000 OK\r\n\r\n")) }
        #expect(throws: HTTP1Error.malformedStatusLine("FOO 200 OK")) { try parseResponses(bytes("FOO 200 OK\r\n\r\n")) }
        #expect(throws: HTTP1Error.truncatedMessage) {
            try parseResponses(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"))
        }
        #expect(throws: HTTP1Error.truncatedMessage) {
            try parseResponses(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"))
        }
    }

    @Test func endlessChunkedStreamHasNoTotalLimit() throws {
        var p = HTTP1ResponseParser()
        p.append(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = try p.next()
        var total = 0
        let piece = HTTP1Encoder.chunk([UInt8](repeating: 0x61, count: 64 * 1024))
        for _ in 0..<64 {
            p.append(piece)
            while case .body(let b)? = try p.next() { total += b.count }
        }
        #expect(total == 64 * 64 * 1024)
        #expect(p.bufferedByteCount == 0)
    }
}
