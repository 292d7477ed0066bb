import Testing
import GRPCWire

@Suite struct GRPCMetadataTests {
    @Test func binaryValues() {
        #expect(GRPCMetadata.decodeBinary("AQID") == [1, 2, 3])
        #expect(GRPCMetadata.decodeBinary("AQI=") == [1, 2])
        #expect(GRPCMetadata.decodeBinary("AQI") == [1, 2])
        #expect(GRPCMetadata.decodeBinary("AQ==") == [1])
        #expect(GRPCMetadata.decodeBinary("AQ") == [1])
        #expect(GRPCMetadata.decodeBinary("") == [])
        #expect(GRPCMetadata.decodeBinary("A") == nil)
        #expect(GRPCMetadata.decodeBinary("A*==") == nil)
        #expect(GRPCMetadata.encodeBinary([1, 2]) == "AQI")
        #expect(GRPCMetadata.encodeBinary([0xff, 0xff, 0xff, 0]) == "////AA")
        #expect(GRPCMetadata.isBinaryKey("grpc-status-details-bin"))
        #expect(!GRPCMetadata.isBinaryKey("token"))
        #expect(GRPCMetadata.isReservedHeader(":path"))
        #expect(GRPCMetadata.isReservedHeader("grpc-timeout"))
        #expect(!GRPCMetadata.isReservedHeader("hasleader"))
    }

    @Test func statusHeaders() {
        let status = GRPCStatus(.permissionDenied, "etcdserver: permission denied")
        #expect(status.headerValue == "7")
        #expect(GRPCStatus(.internalError, "50% done").encodedMessage == "50%25 done")
        #expect(GRPCStatusCode.unauthenticated.rawValue == 16)
        #expect(GRPCStatusCode.internalError.rawValue == 13)
    }
}
