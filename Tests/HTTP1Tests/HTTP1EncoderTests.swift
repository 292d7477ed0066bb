import Testing
@testable import HTTP1

struct HTTP1EncoderTests {
    @Test func responseHeadWithContentLength() {
        let head = HTTPResponseHead(status: 404, headers: [("Content-Type", "text/plain"), ("Content-Length", "99")])
        #expect(String(decoding: HTTP1Encoder.encode(head, framing: .contentLength(10)), as: UTF8.self)
            == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n")
    }

    @Test func chunkedHeadAndChunks() {
        let head = HTTPResponseHead(status: 200, headers: [("Content-Type", "application/json")])
        #expect(String(decoding: HTTP1Encoder.encode(head, framing: .chunked), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(HTTP1Encoder.chunk(Array("hello world, this!".utf8)) == Array("12\r\nhello world, this!\r\n".utf8))
        #expect(HTTP1Encoder.chunk([UInt8]()) == [])
        #expect(HTTP1Encoder.lastChunk() == Array("0\r\n\r\n".utf8))
    }

    @Test func headerInjectionIsNeutralised() {
        let head = HTTPResponseHead(status: 200, headers: [("X", "a\r\nSet-Cookie: y")])
        let text = String(decoding: HTTP1Encoder.encode(head, framing: .none), as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nX: a  Set-Cookie: y\r\n\r\n")
    }

    @Test func requestRoundTrip() throws {
        let head = HTTPRequestHead(method: "GET", target: "/api/v1/pods?watch=1", headers: [("Host", "k8s"), ("Accept", "*/*")])
        var wire = HTTP1Encoder.encode(head, framing: .chunked)
        wire += HTTP1Encoder.chunk(Array("abc".utf8)) + HTTP1Encoder.lastChunk()
        var p = HTTP1RequestParser()
        p.append(wire)
        var expected = head
        expected.headers.add("Transfer-Encoding", "chunked")
        #expect(try p.next() == .head(expected))
        #expect(try p.next() == .body(Array("abc".utf8)))
        #expect(try p.next() == .end)
    }

    @Test func responseRoundTrip() throws {
        let head = HTTPResponseHead(status: 503, headers: [("A", "b")])
        var p = HTTP1ResponseParser()
        p.append(HTTP1Encoder.encode(head, framing: .contentLength(2)) + Array("hi".utf8))
        var expected = head
        expected.headers.add("Content-Length", "2")
        #expect(try p.next() == .head(expected))
        #expect(try p.next() == .body(Array("hi".utf8)))
        #expect(try p.next() == .end)
    }
}
