import Testing
@testable import HPACK

@Suite struct HPACKIntegerTests {
    // RFC 7541 C.1.1 – C.1.3.
    @Test(arguments: [
        (10, 5, [UInt8(0x0A)]),
        (1337, 5, [0x1F, 0x9A, 0x0A]),
        (42, 8, [0x2A]),
        (30, 5, [0x1E]),
        (31, 5, [0x1F, 0x00]),
        (127, 7, [0x7F, 0x00]),
        (128, 7, [0x7F, 0x01]),
    ])
    func roundTrip(value: Int, prefix: Int, encoded: [UInt8]) throws {
        var out: [UInt8] = []
        HPACKInteger.encode(value, prefixBits: prefix, firstByteFlags: 0, into: &out)
        #expect(out == encoded)
        var index = 0
        let decoded = try HPACKInteger.decode(encoded[...], at: &index, prefixBits: prefix)
        #expect(decoded == value)
        #expect(index == encoded.count)
    }

    @Test func flagsAboveThePrefixArePreserved() throws {
        var out: [UInt8] = []
        HPACKInteger.encode(1337, prefixBits: 5, firstByteFlags: 0xE0, into: &out)
        #expect(out == [0xFF, 0x9A, 0x0A])
        var index = 0
        #expect(try HPACKInteger.decode(out[...], at: &index, prefixBits: 5) == 1337)
    }

    @Test func largeValuesRoundTrip() throws {
        for value in [0, 1, 254, 255, 256, 16383, 16384, 1 << 20, Int(UInt32.max)] {
            var out: [UInt8] = []
            HPACKInteger.encode(value, prefixBits: 4, firstByteFlags: 0, into: &out)
            var index = 0
            #expect(try HPACKInteger.decode(out[...], at: &index, prefixBits: 4) == value)
        }
    }

    @Test func truncatedInteger() {
        var index = 0
        #expect(throws: HPACKError.truncated) {
            try HPACKInteger.decode([0x1F, 0x9A][...], at: &index, prefixBits: 5)
        }
        index = 0
        #expect(throws: HPACKError.truncated) {
            try HPACKInteger.decode([][...], at: &index, prefixBits: 5)
        }
    }

    @Test func overflowIsRejected() {
        var index = 0
        #expect(throws: HPACKError.integerOverflow) {
            try HPACKInteger.decode([0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F][...], at: &index, prefixBits: 5)
        }
        index = 0
        // Endless continuation bytes with zero payload.
        let zeros: [UInt8] = [0x1F] + [UInt8](repeating: 0x80, count: 20) + [0x00]
        #expect(throws: HPACKError.integerOverflow) {
            try HPACKInteger.decode(zeros[...], at: &index, prefixBits: 5)
        }
    }
}
