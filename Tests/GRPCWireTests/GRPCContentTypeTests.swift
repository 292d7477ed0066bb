import Testing
import GRPCWire

@Suite struct GRPCContentTypeTests {
    @Test func recognises() {
        #expect(GRPCContentType.isGRPC("application/grpc"))
        #expect(GRPCContentType.isGRPC("application/grpc+proto"))
        #expect(GRPCContentType.isGRPC("application/grpc;charset=utf-8"))
        #expect(!GRPCContentType.isGRPC("application/grpcx"))
        #expect(!GRPCContentType.isGRPC("application/grpc-web"))
        #expect(!GRPCContentType.isGRPC("Application/grpc"))
        #expect(!GRPCContentType.isGRPC("application/json"))
        #expect(!GRPCContentType.isGRPC(""))
        #expect(GRPCContentType.subtype("application/grpc+PROTO") == "proto")
        #expect(GRPCContentType.subtype("application/grpc") == "")
    }
}
