import Testing
@testable import HPACK

@Suite struct HPACKDecoderTests {
    // MARK: RFC 7541 Appendix C.2 (single representations)

    @Test func literalWithIndexing() throws {  // C.2.1
        var decoder = HPACKDecoder()
        let result = try decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")[...])
        #expect(result == fields([("custom-key", "custom-header")]))
        #expect(decoder.dynamicTableSize == 55)
        #expect(decoder.dynamicEntry(at: 1) == HeaderField(name: "custom-key", value: "custom-header"))
    }

    @Test func literalWithoutIndexing() throws {  // C.2.2
        var decoder = HPACKDecoder()
        let result = try decoder.decode(hex("040c 2f73 616d 706c 652f 7061 7468")[...])
        #expect(result == fields([(":path", "/sample/path")]))
        #expect(decoder.dynamicTableSize == 0)
    }

    @Test func literalNeverIndexed() throws {  // C.2.3
        var decoder = HPACKDecoder()
        let result = try decoder.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")[...])
        #expect(result == [HeaderField(name: "password", value: "secret", neverIndex: true)])
        #expect(decoder.dynamicTableSize == 0)
    }

    @Test func indexedField() throws {  // C.2.4
        var decoder = HPACKDecoder()
        #expect(try decoder.decode([0x82][...]) == fields([(":method", "GET")]))
        #expect(decoder.dynamicTableCount == 0)
    }

    // MARK: C.3 – C.6 (sequences sharing one decoder)

    static let requests: [[(String, String)]] = [
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"),
         ("cache-control", "no-cache")],
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"),
         ("custom-key", "custom-value")],
    ]

    static let responses: [[(String, String)]] = [
        [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
         ("location", "https://www.example.com")],
        [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
         ("location", "https://www.example.com")],
        [(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
         ("location", "https://www.example.com"), ("content-encoding", "gzip"),
         ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")],
    ]

    static let requestTableStates: [[(String, String)]] = [
        [(":authority", "www.example.com")],
        [("cache-control", "no-cache"), (":authority", "www.example.com")],
        [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")],
    ]

    static let responseTableStates: [[(String, String)]] = [
        [("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
         ("cache-control", "private"), (":status", "302")],
        [(":status", "307"), ("location", "https://www.example.com"),
         ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")],
        [("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
         ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")],
    ]

    func run(blocks: [String], expected: [[(String, String)]], tables: [[(String, String)]],
             sizes: [Int], maxTableSize: Int) throws {
        var decoder = HPACKDecoder(maxTableSize: maxTableSize)
        for (i, block) in blocks.enumerated() {
            let result = try decoder.decode(hex(block)[...])
            #expect(result == fields(expected[i]), "block \(i)")
            #expect(decoder.dynamicTableSize == sizes[i], "block \(i)")
            #expect(decoder.dynamicTableCount == tables[i].count, "block \(i)")
            for (j, entry) in tables[i].enumerated() {
                #expect(decoder.dynamicEntry(at: j + 1) == HeaderField(name: entry.0, value: entry.1))
            }
        }
    }

    @Test func requestsWithoutHuffman() throws {  // C.3
        try run(blocks: [
            "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "8286 84be 5808 6e6f 2d63 6163 6865",
            "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        ], expected: Self.requests, tables: Self.requestTableStates, sizes: [57, 110, 164], maxTableSize: 4096)
    }

    @Test func requestsWithHuffman() throws {  // C.4
        try run(blocks: [
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
            "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        ], expected: Self.requests, tables: Self.requestTableStates, sizes: [57, 110, 164], maxTableSize: 4096)
    }

    @Test func responsesWithoutHuffman() throws {  // C.5
        try run(blocks: [
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32"
                + "3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "4803 3330 37c1 c0bf",
            "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970"
                + "7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178"
                + "2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
        ], expected: Self.responses, tables: Self.responseTableStates, sizes: [222, 222, 215], maxTableSize: 256)
    }

    @Test func responsesWithHuffman() throws {  // C.6
        try run(blocks: [
            "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad"
                + "1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            "4883 640e ffc1 c0bf",
            "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2"
                + "e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
        ], expected: Self.responses, tables: Self.responseTableStates, sizes: [222, 222, 215], maxTableSize: 256)
    }

    // MARK: Blocks produced by the Python `hpack` 4.2 encoder (one encoder, in sequence)

    static let pythonBlocks: [(String, [(String, String)])] = [
        ("8386449060a924882d9dcb6571af9b8b1b4754c5418a089d5c0b8170dc132ebf5f8b1d75d0620d263d4c4d65647a8a9acac8b4c7"
            + "602bb6fae04082497f864d833505b11f40899acac8b24d494f6a7f8669f7df7dd15b", [
            (":method", "POST"), (":scheme", "http"), (":path", "/etcdserverpb.KV/Range"),
            (":authority", "127.0.0.1:2379"), ("content-type", "application/grpc"),
            ("user-agent", "grpc-go/1.59.0"), ("te", "trailers"), ("grpc-timeout", "4999972u"),
        ]),
        ("8386449260a924882d9dcb6571afc86924ec721a493fc3c2c1c040879c68a0a390b67f834d9697", [
            (":method", "POST"), (":scheme", "http"), (":path", "/etcdserverpb.Watch/Watch"),
            (":authority", "127.0.0.1:2379"), ("content-type", "application/grpc"),
            ("user-agent", "grpc-go/1.59.0"), ("te", "trailers"), ("hasleader", "true"),
        ]),
        ("8387c5c4c3c2c1408449fa96af97f3ebdfbf4a7fff1ffff77fff8ffffea53fffec7fffffe7", [
            (":method", "POST"), (":scheme", "https"), (":path", "/etcdserverpb.KV/Range"),
            (":authority", "127.0.0.1:2379"), ("content-type", "application/grpc"),
            ("user-agent", "grpc-go/1.59.0"), ("te", "trailers"), ("token", "xyzzy \u{e9}\u{e8} \u{1}\u{7f}"),
        ]),
        // Starts with a size update to 100.
        ("3f458286844084f2b4669bacefdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdf"
            + "bf7efdf", [
            (":method", "GET"), (":scheme", "http"), (":path", "/"),
            ("x-big", String(repeating: "v", count: 50)),
        ]),
        // Size update back to 4096.
        ("3fe11f8340811f818fbfbf", [
            (":method", "POST"), ("a", "b"), ("x-big", String(repeating: "v", count: 50)),
            ("x-big", String(repeating: "v", count: 50)),
        ]),
    ]

    @Test func decodesPythonHpackSequence() throws {
        var decoder = HPACKDecoder()
        for (block, expected) in Self.pythonBlocks {
            #expect(try decoder.decode(hex(block)[...]) == fields(expected))
        }
        #expect(decoder.dynamicTableMaxSize == 4096)
        var single = HPACKDecoder()
        #expect(try single.decode(hex("1086ac684783d9278441496153")[...])
            == [HeaderField(name: "password", value: "secret", neverIndex: true)])
    }

    // MARK: Errors

    @Test func indexZeroIsAnError() {
        var decoder = HPACKDecoder()
        #expect(throws: HPACKError.invalidIndex(0)) { try decoder.decode([0x80][...]) }
    }

    @Test func indexPastTablesIsAnError() {
        var decoder = HPACKDecoder()
        #expect(throws: HPACKError.invalidIndex(62)) { try decoder.decode([0xBE][...]) }
        // Literal with an out-of-range name index.
        #expect(throws: HPACKError.invalidIndex(70)) { try decoder.decode([0x7F, 0x07, 0x00][...]) }
    }

    @Test func sizeUpdateAboveLimitIsAnError() {
        var decoder = HPACKDecoder()
        #expect(throws: HPACKError.tableSizeUpdateTooLarge(4097)) { try decoder.decode([0x3F, 0xE2, 0x1F][...]) }
    }

    @Test func sizeUpdateAfterFieldIsAnError() {
        var decoder = HPACKDecoder()
        #expect(throws: HPACKError.tableSizeUpdateNotAtStart) { try decoder.decode([0x82, 0x20][...]) }
    }

    @Test func sizeUpdatesAtStartAreApplied() throws {
        var decoder = HPACKDecoder()
        _ = try decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")[...])
        #expect(decoder.dynamicTableCount == 1)
        // Two updates (0 then 4096) evict everything.
        #expect(try decoder.decode([0x20, 0x3F, 0xE1, 0x1F, 0x82][...]) == fields([(":method", "GET")]))
        #expect(decoder.dynamicTableCount == 0)
        #expect(decoder.dynamicTableMaxSize == 4096)
    }

    @Test func loweredLimitRequiresSizeUpdate() throws {
        var decoder = HPACKDecoder()
        decoder.setMaxTableSize(100)
        #expect(throws: HPACKError.tableSizeUpdateTooLarge(4096)) { try decoder.decode([0x82][...]) }
        var ok = HPACKDecoder()
        ok.setMaxTableSize(100)
        #expect(try ok.decode([0x3F, 0x45, 0x82][...]) == fields([(":method", "GET")]))
        #expect(ok.dynamicTableMaxSize == 100)
    }

    @Test func truncatedBlocks() {
        var decoder = HPACKDecoder()
        #expect(throws: HPACKError.truncated) { try decoder.decode(hex("400a 6375 7374")[...]) }
        #expect(throws: HPACKError.truncated) { try decoder.decode(hex("40")[...]) }
        #expect(throws: HPACKError.truncated) { try decoder.decode(hex("ff")[...]) }
        #expect(throws: HPACKError.truncated) { try decoder.decode(hex("0f")[...]) }
    }

    @Test func invalidHuffmanInLiteral() {
        var decoder = HPACKDecoder()
        // Literal without indexing, new name, Huffman string of four 0xFF (contains EOS).
        #expect(throws: HPACKError.invalidHuffman) { try decoder.decode(hex("00 84 ffffffff 00")[...]) }
    }

    @Test func headerListLimitIsCheckedAfterTheWholeBlock() throws {
        var decoder = HPACKDecoder(maxHeaderListSize: 60)
        // custom-key: custom-header (55, indexed) + :method GET (42) = 97 > 60.
        let block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 82")
        #expect(throws: HPACKError.headerListTooLarge(97)) { try decoder.decode(block[...]) }
        // The table stayed in sync: the inserted entry is usable.
        #expect(decoder.dynamicTableCount == 1)
        #expect(try decoder.decode([0xBE][...]) == fields([("custom-key", "custom-header")]))
    }

    @Test func decodesFromASliceWithNonZeroStart() throws {
        var decoder = HPACKDecoder()
        let bytes: [UInt8] = [0xAA, 0xAA, 0x82, 0x84, 0xAA]
        #expect(try decoder.decode(bytes[2..<4]) == fields([(":method", "GET"), (":path", "/")]))
    }

    @Test func invalidUTF8IsReplacedNotFatal() throws {
        var decoder = HPACKDecoder()
        let result = try decoder.decode(hex("00 01 61 02 ff fe")[...])
        #expect(result.count == 1)
        #expect(result[0].name == "a")
    }
}
