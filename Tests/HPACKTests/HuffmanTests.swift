import Testing
@testable import HPACK

@Suite struct HuffmanTests {
    // Strings from RFC 7541 C.4 / C.6.
    @Test(arguments: [
        ("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"),
        ("no-cache", "a8eb10649cbf"),
        ("custom-key", "25a849e95ba97d7f"),
        ("custom-value", "25a849e95bb8e8b4bf"),
        ("302", "6402"),
        ("private", "aec3771a4b"),
        ("Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff"),
        ("https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3"),
    ])
    func vectors(plain: String, encoded: String) throws {
        var out: [UInt8] = []
        Huffman.encode(plain.utf8, into: &out)
        #expect(hexString(out) == encoded)
        #expect(Huffman.encodedLength(plain.utf8) == out.count)
        var decoded: [UInt8] = []
        try Huffman.decode(hex(encoded)[...], into: &decoded)
        #expect(decoded == Array(plain.utf8))
    }

    @Test func everyOctetRoundTrips() throws {
        let all = (0...255).map { UInt8($0) }
        let chunks: [[UInt8]] = [all, all.reversed(), [0, 255, 1, 254], []]
        for chunk in chunks {
            var out: [UInt8] = []
            Huffman.encode(chunk, into: &out)
            var decoded: [UInt8] = []
            try Huffman.decode(out[...], into: &decoded)
            #expect(decoded == chunk)
        }
    }

    @Test func explicitEOSIsRejected() {
        // 30 one bits (EOS) followed by 2 bits of padding.
        var out: [UInt8] = []
        #expect(throws: HPACKError.invalidHuffman) { try Huffman.decode([0xFF, 0xFF, 0xFF, 0xFF][...], into: &out) }
        // 'a' (00011) then EOS.
        #expect(throws: HPACKError.invalidHuffman) {
            try Huffman.decode([0x1F, 0xFF, 0xFF, 0xFF, 0xFF][...], into: &out)
        }
    }

    @Test func paddingLongerThanSevenBitsIsRejected() {
        // '0' is 00000: 0x07 is '0' + 3 bits of padding; an extra 0xFF makes 11 bits.
        var out: [UInt8] = []
        #expect(throws: Never.self) { try Huffman.decode([0x07][...], into: &out) }
        #expect(throws: HPACKError.invalidHuffman) { try Huffman.decode([0x07, 0xFF][...], into: &out) }
        #expect(throws: HPACKError.invalidHuffman) { try Huffman.decode([0xFF][...], into: &out) }
    }

    @Test func paddingNotAllOnesIsRejected() {
        var out: [UInt8] = []
        // '0' (00000) followed by 000: not an EOS prefix.
        #expect(throws: HPACKError.invalidHuffman) { try Huffman.decode([0x00][...], into: &out) }
        // '0' followed by 110.
        #expect(throws: HPACKError.invalidHuffman) { try Huffman.decode([0x06][...], into: &out) }
    }
}
