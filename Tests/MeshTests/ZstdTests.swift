import Testing

@testable import Mesh

@Suite struct ZstdTests {
    /// RFC 8878 §3.1.1 by hand: magic, Frame_Header_Descriptor 0x20 (single segment, 1-byte
    /// content size), Frame_Content_Size 5, one last raw block of 5 bytes (header 5<<3 | 1).
    static let handMadeFrame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x05, 0x29, 0x00, 0x00] + Array("hello".utf8)

    @Test func decodesAHandMadeFrame() throws {
        #expect(try Zstd.decompress(Self.handMadeFrame) == Array("hello".utf8))
        // Concatenated frames are joined (klauspost `DecodeAll` does the same).
        #expect(try Zstd.decompress(Self.handMadeFrame + Self.handMadeFrame) == Array("hellohello".utf8))
    }

    @Test(arguments: [0, 1, 100, 200_000, 1 << 20])
    func roundTrip(size: Int) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var x: UInt32 = 0x1234_5678
        for i in 0..<size {
            x = x &* 1_103_515_245 &+ 12345
            bytes.append(i % 3 == 0 ? UInt8(truncatingIfNeeded: x >> 16) : UInt8(i % 7))
        }
        let frame = try Zstd.compress(bytes)
        #expect(Array(frame.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
        #expect(try Zstd.decompress(frame, maxBytes: max(size, 1)) == bytes)
    }

    @Test func refusesBadInput() throws {
        #expect(throws: ZstdError.truncated) { try Zstd.decompress([]) }
        #expect(throws: ZstdError.truncated) { try Zstd.decompress(Array(Self.handMadeFrame.dropLast(2))) }
        #expect(throws: ZstdError.self) { try Zstd.decompress([0x28, 0xB5, 0x2F, 0xFE, 0, 0, 0]) }
        #expect(throws: ZstdError.tooLarge(limit: 4)) { try Zstd.decompress(Self.handMadeFrame, maxBytes: 4) }
        // A highly compressible megabyte stops at the bound instead of allocating it.
        let bomb = try Zstd.compress([UInt8](repeating: 0, count: 1 << 20))
        #expect(bomb.count < 1024)
        #expect(throws: ZstdError.tooLarge(limit: 64 << 10)) { try Zstd.decompress(bomb, maxBytes: 64 << 10) }
    }
}
