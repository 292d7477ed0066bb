import Testing
import GRPCWire

@Suite struct GzipTests {
    private func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!)
        }
        return out
    }

    @Test func roundTrip() throws {
        for size in [0, 1, 100, 70_000] {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31 / 7) }
            let compressed = Gzip.compress(data)
            #expect(Array(compressed.prefix(2)) == [0x1f, 0x8b])
            #expect(try Gzip.decompress(compressed, limit: size) == data)
        }
    }

    @Test func decodesGNUGzip() throws {
        // `printf 'hello, grpc gzip interop\n' | gzip -9 -n`
        let data = hex("1f8b0800000000000203cb48cdc9c9d751482f2a485648afca2c50c8cc2b492dca2fe00200ae958e1319000000")
        #expect(try Gzip.decompress(data, limit: 100) == Array("hello, grpc gzip interop\n".utf8))
    }

    @Test func decodesPythonGzip() throws {
        // Python: gzip.compress(b'etcd' * 10, mtime=0)
        let data = hex("1f8b08000000000002034b2d494e4925020300d227a72928000000")
        #expect(try Gzip.decompress(data, limit: 40) == Array(String(repeating: "etcd", count: 10).utf8))
        #expect(throws: GzipError.limitExceeded(limit: 39)) { try Gzip.decompress(data, limit: 39) }
    }

    @Test func concatenatedMembers() throws {
        let data = Gzip.compress([1, 2]) + Gzip.compress([3])
        #expect(try Gzip.decompress(data, limit: 10) == [1, 2, 3])
    }

    @Test func bombIsBounded() {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 10_000_000))
        #expect(bomb.count < 20_000)
        #expect(throws: GzipError.limitExceeded(limit: 4096)) { try Gzip.decompress(bomb, limit: 4096) }
    }

    @Test func truncatedAndCorrupt() {
        let good = Gzip.compress(Array("some text to compress".utf8))
        #expect(throws: GzipError.truncated) { try Gzip.decompress(Array(good.dropLast(6)), limit: 100) }
        #expect(throws: GzipError.truncated) { try Gzip.decompress([], limit: 100) }
        var badCRC = good
        badCRC[badCRC.count - 6] ^= 0xFF
        #expect(throws: (any Error).self) { try Gzip.decompress(badCRC, limit: 100) }
        #expect(throws: (any Error).self) { try Gzip.decompress(Array("not gzip at all".utf8), limit: 100) }
    }
}
