import GRPCWire
import Testing

@testable import EtcdAPI

@Suite struct GatewayCompressionTests {
    @Test(arguments: [
        (nil, false), ("", false), ("gzip", true), ("GZIP", true), ("deflate, gzip;q=0.5", true),
        ("gzip;q=0", false), ("gzip; q=0.000", false), ("*", true), ("*;q=0", false), ("br, *;q=0.1", true),
        ("gzip;q=0, *", false), ("x-gzip", true), ("identity", false), ("deflate", false),
    ] as [(String?, Bool)])
    func acceptEncoding(header: String?, accepts: Bool) {
        #expect(GatewayCompression.acceptsGzip(header) == accepts)
    }

    @Test func sizeThreshold() {
        #expect(!GatewayCompression.shouldCompress(acceptEncoding: "gzip", bodySize: 1023))
        #expect(GatewayCompression.shouldCompress(acceptEncoding: "gzip", bodySize: 1024))
    }

    @Test func applyRoundTrips() throws {
        let body = Array(String(repeating: "{\"a\":1}", count: 300).utf8)
        let response = GatewayResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
        let out = GatewayCompression.apply(to: response, acceptEncoding: "gzip")
        #expect(out.header("content-encoding") == "gzip")
        #expect(out.header("vary") == "Accept-Encoding")
        #expect(out.body.count < body.count)
        #expect(try Gzip.decompress(out.body, limit: 1 << 20) == body)
        #expect(GatewayCompression.apply(to: response, acceptEncoding: "br") == response)
    }
}
