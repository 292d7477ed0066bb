import Testing
import GRPCWire

@Suite struct GRPCRequestHeadTests {
    @Test func fieldsInGrpcGoOrderWithTimeoutAndMetadata() {
        let head = GRPCRequestHead(
            path: "/etcdserverpb.KV/Range", authority: "10.0.0.1:2379", scheme: "https", userAgent: "ua/1",
            timeoutNanoseconds: 4_999_972_000, metadata: [GRPCHeader("HasLeader", "true"), GRPCHeader("te", "x"),
                                                          GRPCHeader("grpc-timeout", "1S"), GRPCHeader("x-bin", "ignored")],
            binaryMetadata: [(key: "trace-bin", value: [0xFF, 0x00, 0x01])])
        #expect(head.fields == [
            GRPCHeader(":method", "POST"), GRPCHeader(":scheme", "https"),
            GRPCHeader(":path", "/etcdserverpb.KV/Range"), GRPCHeader(":authority", "10.0.0.1:2379"),
            GRPCHeader("content-type", "application/grpc"), GRPCHeader("user-agent", "ua/1"),
            GRPCHeader("te", "trailers"), GRPCHeader("grpc-timeout", "4999972u"),
            GRPCHeader("hasleader", "true"), GRPCHeader("trace-bin", "/wAB"),
        ])
    }

    @Test func minimalRequestHasNoTimeoutNorAcceptEncoding() {
        let head = GRPCRequestHead(path: "/etcdserverpb.Maintenance/Status", authority: "[::1]:2379")
        let names = head.fields.map(\.name)
        #expect(names == [":method", ":scheme", ":path", ":authority", "content-type", "user-agent", "te"])
        #expect(head.fields[1].value == "http")
        var gzip = head
        gzip.acceptEncodings = ["gzip", "identity"]
        #expect(gzip.fields.last == GRPCHeader("grpc-accept-encoding", "gzip,identity"))
    }
}
