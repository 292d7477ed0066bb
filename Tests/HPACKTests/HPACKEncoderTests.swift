import Testing
@testable import HPACK

@Suite struct HPACKEncoderTests {
    static let sampleLists: [[HeaderField]] = [
        fields([(":status", "200"), ("content-type", "application/grpc")]),
        fields([("grpc-status", "0"), ("grpc-message", "")]),
        fields([(":status", "200"), ("content-type", "application/grpc"), ("grpc-encoding", "identity")]),
        fields([("grpc-status", "11"), ("grpc-message", "etcdserver: mvcc: required revision has been compacted")]),
        fields([(":method", "POST"), (":path", "/etcdserverpb.KV/Range"), ("x-custom", "é ü \u{0}\u{7f}")]),
        [HeaderField(name: "authorization", value: "Bearer secret", neverIndex: true)],
        fields([("x-big", String(repeating: "abcdefghij", count: 1000))]),
        fields([("", ""), ("x-empty", "")]),
        fields([(":status", "404"), ("content-length", "9"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT")]),
    ]

    func roundTrip(_ encoder: inout HPACKEncoder, _ decoder: inout HPACKDecoder, _ list: [HeaderField]) throws {
        var block: [UInt8] = []
        encoder.encode(list, into: &block)
        let decoded = try decoder.decode(block[...])
        #expect(decoded == list)
        #expect(encoder.dynamicTableSize == decoder.dynamicTableSize)
    }

    @Test(arguments: [(true, true), (true, false), (false, true), (false, false)])
    func roundTripsManyLists(huffman: Bool, indexing: Bool) throws {
        var encoder = HPACKEncoder(useHuffman: huffman, useIndexing: indexing)
        var decoder = HPACKDecoder(maxHeaderListSize: 1 << 20)
        for _ in 0..<3 {
            for list in Self.sampleLists {
                try roundTrip(&encoder, &decoder, list)
            }
        }
        if !indexing { #expect(decoder.dynamicTableCount == 0) }
    }

    @Test func randomListsRoundTrip() throws {
        var generator = SplitMix(seed: 42)
        var encoder = HPACKEncoder()
        var decoder = HPACKDecoder(maxHeaderListSize: 1 << 22)
        let names = ["a", "content-type", "x-key", "grpc-status", "user-agent", "x-long-name-for-testing", ":path"]
        for round in 0..<300 {
            var list: [HeaderField] = []
            for _ in 0..<Int(generator.next() % 12) {
                let name = names[Int(generator.next() % UInt64(names.count))]
                let length = Int(generator.next() % (round % 50 == 0 ? 5000 : 40))
                let value = String(decoding: (0..<length).map { _ in UInt8(32 + generator.next() % 95) }, as: UTF8.self)
                list.append(HeaderField(name: name, value: value, neverIndex: generator.next() % 10 == 0))
            }
            if round % 37 == 0 {
                let size = Int(generator.next() % 5000)
                encoder.setPeerMaxTableSize(size)
                decoder.setMaxTableSize(size)
            }
            try roundTrip(&encoder, &decoder, list)
        }
    }

    @Test func repeatedHeadersCompressToIndices() {
        var encoder = HPACKEncoder()
        let list = fields([(":status", "200"), ("content-type", "application/grpc"), ("grpc-accept-encoding", "gzip")])
        var first: [UInt8] = []
        encoder.encode(list, into: &first)
        var second: [UInt8] = []
        encoder.encode(list, into: &second)
        #expect(second.count == 3)
        #expect(second.allSatisfy { $0 & 0x80 != 0 })
        #expect(first.count > second.count)
    }

    @Test func staticMatchesUseIndexedRepresentation() {
        var encoder = HPACKEncoder()
        var out: [UInt8] = []
        encoder.encode(fields([(":status", "200"), (":method", "GET")]), into: &out)
        #expect(out == [0x88, 0x82])
    }

    @Test func neverIndexedFieldsStayLiteral() throws {
        var encoder = HPACKEncoder()
        var out: [UInt8] = []
        let field = HeaderField(name: "password", value: "secret", neverIndex: true)
        encoder.encode([field, field], into: &out)
        #expect(out[0] & 0xF0 == 0x10)
        #expect(encoder.dynamicTableSize == 0)
        var decoder = HPACKDecoder()
        #expect(try decoder.decode(out[...]) == [field, field])
    }

    @Test func shrinkingPeerTableEmitsSizeUpdate() throws {
        var encoder = HPACKEncoder()
        var decoder = HPACKDecoder()
        try roundTrip(&encoder, &decoder, fields([("x-a", "1"), ("x-b", "2")]))
        encoder.setPeerMaxTableSize(0)
        decoder.setMaxTableSize(0)
        var block: [UInt8] = []
        encoder.encode(fields([("x-a", "1")]), into: &block)
        #expect(block.first == 0x20)
        #expect(try decoder.decode(block[...]) == fields([("x-a", "1")]))
        #expect(decoder.dynamicTableCount == 0)
        #expect(encoder.dynamicTableMaxSize == 0)
    }

    @Test func smallestSizeInIntervalIsSignalledFirst() throws {
        var encoder = HPACKEncoder()
        encoder.setPeerMaxTableSize(100)
        encoder.setPeerMaxTableSize(2000)
        var block: [UInt8] = []
        encoder.encode([], into: &block)
        // 100 then 2000, both as size updates.
        #expect(block == [0x3F, 0x45, 0x3F, 0xB1, 0x0F])
        var decoder = HPACKDecoder()
        #expect(try decoder.decode(block[...]).isEmpty)
        #expect(decoder.dynamicTableMaxSize == 2000)
    }

    @Test func largerPeerTableIsCapped() {
        var encoder = HPACKEncoder()
        encoder.setPeerMaxTableSize(1 << 20)
        var block: [UInt8] = []
        encoder.encode(fields([(":status", "200")]), into: &block)
        #expect(block == [0x88])
        #expect(encoder.dynamicTableMaxSize == HPACKEncoder.maxOwnTableSize)
    }

    @Test func evictionKeepsEncoderAndDecoderInSync() throws {
        var encoder = HPACKEncoder()
        var decoder = HPACKDecoder()
        encoder.setPeerMaxTableSize(200)
        decoder.setMaxTableSize(200)
        for i in 0..<100 {
            try roundTrip(&encoder, &decoder, fields([("x-n", "value-\(i % 7)"), ("x-m", "\(i)")]))
            #expect(decoder.dynamicTableSize <= 200)
        }
    }
}

/// Small deterministic PRNG for reproducible random tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
