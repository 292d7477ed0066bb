import Testing
import GRPCWire

@Suite struct GRPCResponseReaderTests {
    static let okHead = [GRPCHeader(":status", "200"), GRPCHeader("content-type", "application/grpc")]

    func framed(_ payloads: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for payload in payloads { GRPCMessageFramer.frame(payload, into: &out) }
        return out
    }

    @Test func unaryResponseWithMessagesSplitAcrossData() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        #expect(reader.receiveHeaders(Self.okHead + [GRPCHeader("x-meta", "1")], endStream: false)
            == [.headers([GRPCHeader("content-type", "application/grpc"), GRPCHeader("x-meta", "1")])])
        let bytes = framed([[1, 2, 3], [], [9]])
        var events: [GRPCResponseReader.Event] = []
        for byte in bytes { events += reader.receiveData([byte], endStream: false) }
        #expect(events == [.message([1, 2, 3]), .message([]), .message([9])])
        #expect(reader.receiveHeaders([GRPCHeader("grpc-status", "0"), GRPCHeader("grpc-message", "")], endStream: true)
            == [.end(GRPCStatus(.ok, ""), trailers: [], resetCode: nil)])
        #expect(reader.isFinished)
        #expect(reader.receiveData([0], endStream: true).isEmpty)
    }

    @Test func etcdErrorInTrailersOnlyIsPercentDecoded() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        let events = reader.receiveHeaders(Self.okHead + [
            GRPCHeader("grpc-status", "11"),
            GRPCHeader("grpc-message", "etcdserver: mvcc: required revision has been compacted"),
        ], endStream: true)
        #expect(events == [.end(GRPCStatus(.outOfRange, "etcdserver: mvcc: required revision has been compacted"),
                                trailers: [GRPCHeader("content-type", "application/grpc")], resetCode: nil)])
        var second = GRPCResponseReader(maxReceiveMessageSize: 1024)
        let decoded = second.receiveHeaders(Self.okHead + [GRPCHeader("grpc-status", "3"),
                                                           GRPCHeader("grpc-message", "caf%C3%A9 100%25 %zz")],
                                            endStream: true)
        #expect(decoded.first.map { if case .end(let s, _, _) = $0 { s.message } else { "" } } == "café 100% %zz")
    }

    @Test func missingGrpcStatusIsUnknown() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        _ = reader.receiveHeaders(Self.okHead, endStream: false)
        #expect(reader.receiveHeaders([], endStream: true) == [.end(GRPCStatus(.unknown, ""), trailers: [], resetCode: nil)])
    }

    @Test(arguments: [
        ([GRPCHeader(":status", "404"), GRPCHeader("content-type", "text/html")], GRPCStatusCode.unimplemented,
         "unexpected HTTP status code received from server: 404 (Not Found); transport: received unexpected content-type \"text/html\""),
        ([GRPCHeader(":status", "503")], .unavailable,
         "unexpected HTTP status code received from server: 503 (Service Unavailable); malformed header: missing HTTP content-type"),
        ([GRPCHeader(":status", "200")], .unknown, "malformed header: missing HTTP content-type"),
        ([GRPCHeader(":status", "200"), GRPCHeader("content-type", "application/json")], .unknown,
         "transport: received unexpected content-type \"application/json\""),
        ([GRPCHeader("content-type", "application/grpc")], .internalError, "malformed header: missing HTTP status"),
        ([GRPCHeader(":status", "401"), GRPCHeader("content-type", "application/grpc")], .unauthenticated,
         "unexpected HTTP status code received from server: 401 (Unauthorized)"),
        ([GRPCHeader(":status", "418"), GRPCHeader("content-type", "application/grpc+proto")], .unknown,
         "unexpected HTTP status code received from server: 418 ()"),
    ])
    func nonGRPCResponsesMapLikeGrpcGo(fields: [GRPCHeader], code: GRPCStatusCode, message: String) {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        #expect(reader.receiveHeaders(fields, endStream: false)
            == [.end(GRPCStatus(code, message), trailers: [], resetCode: GRPCResponseReader.protocolErrorCode)])
    }

    @Test func malformedGrpcStatusIsInternal() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        _ = reader.receiveHeaders(Self.okHead, endStream: false)
        #expect(reader.receiveHeaders([GRPCHeader("grpc-status", "x1")], endStream: true) == [.end(
            GRPCStatus(.internalError, "transport: malformed grpc-status: strconv.ParseInt: parsing \"x1\": invalid syntax"),
            trailers: [], resetCode: GRPCResponseReader.protocolErrorCode)])
        var big = GRPCResponseReader(maxReceiveMessageSize: 1024)
        #expect(big.receiveHeaders(Self.okHead + [GRPCHeader("grpc-status", "99999999999")], endStream: true) == [.end(
            GRPCStatus(.internalError,
                       "transport: malformed grpc-status: strconv.ParseInt: parsing \"99999999999\": value out of range"),
            trailers: [], resetCode: GRPCResponseReader.protocolErrorCode)])
    }

    @Test func dataEndingTheStreamWithoutTrailers() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        _ = reader.receiveHeaders(Self.okHead, endStream: false)
        #expect(reader.receiveData(framed([[7]]), endStream: true) == [
            .message([7]),
            .end(GRPCStatus(.internalError, "server closed the stream without sending trailers"), trailers: [], resetCode: nil),
        ])
    }

    @Test func oversizedMessageIsResourceExhaustedAndCancelsTheStream() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 10)
        _ = reader.receiveHeaders(Self.okHead, endStream: false)
        #expect(reader.receiveData([0, 0, 0, 0, 11], endStream: false) == [.end(
            GRPCStatus(.resourceExhausted, "grpc: received message larger than max (11 vs. 10)"),
            trailers: [], resetCode: GRPCResponseReader.cancelCode)])
    }

    @Test func gzipResponsesAreInflated() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1 << 20)
        _ = reader.receiveHeaders(Self.okHead + [GRPCHeader("grpc-encoding", "gzip")], endStream: false)
        let payload = Array(repeating: UInt8(ascii: "a"), count: 5000)
        var bytes: [UInt8] = []
        GRPCMessageFramer.frame(Gzip.compress(payload), compressed: true, into: &bytes)
        #expect(reader.receiveData(bytes, endStream: false) == [.message(payload)])
    }

    @Test func truncatedMessageBeforeOkTrailersIsUnexpectedEOF() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        _ = reader.receiveHeaders(Self.okHead, endStream: false)
        _ = reader.receiveData([0, 0, 0, 0, 5, 1], endStream: false)
        #expect(reader.receiveHeaders([GRPCHeader("grpc-status", "0")], endStream: true)
            == [.end(GRPCStatus(.internalError, "unexpected EOF"), trailers: [], resetCode: nil)])
    }

    @Test func resetsMapLikeGrpcGo() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        #expect(reader.receiveReset(http2ErrorCode: 7) == [.end(
            GRPCStatus(.unavailable, "stream terminated by RST_STREAM with error code: REFUSED_STREAM"),
            trailers: [], resetCode: nil)])
        var cancelled = GRPCResponseReader(maxReceiveMessageSize: 1024)
        #expect(cancelled.receiveReset(http2ErrorCode: 8, deadlinePassed: true) == [.end(
            GRPCStatus(.deadlineExceeded, "stream terminated by RST_STREAM with error code: CANCEL"),
            trailers: [], resetCode: nil)])
        #expect(GRPCTransportStatus.reset(http2ErrorCode: 0xB).code == .resourceExhausted)
        #expect(GRPCTransportStatus.reset(http2ErrorCode: 0xC).code == .permissionDenied)
        #expect(GRPCTransportStatus.reset(http2ErrorCode: 0x99).message
            == "stream terminated by RST_STREAM with error code: unknown error code 0x99")
        #expect(GRPCTransportStatus.reset(http2ErrorCode: 0x99).code == .unknown)
    }

    @Test func dataBeforeHeadersIsIgnoredAndFailEndsOnce() {
        var reader = GRPCResponseReader(maxReceiveMessageSize: 1024)
        #expect(reader.receiveData([0, 0, 0, 0, 0], endStream: false).isEmpty)
        #expect(reader.fail(GRPCTransportStatus.draining) == [.end(GRPCTransportStatus.draining, trailers: [], resetCode: nil)])
        #expect(reader.fail(GRPCTransportStatus.cancelled).isEmpty)
    }
}
