import Testing
import GRPCWire

@Suite struct GRPCMessageDeframerTests {
    private func messages(count: Int) -> [[UInt8]] {
        (0..<count).map { i in (0..<(i * 37 % 300)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) } }
    }

    private func drain(_ deframer: inout GRPCMessageDeframer) throws(GRPCStatus) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let message = try deframer.next() { out.append(message) }
        return out
    }

    @Test func wholeBuffer() throws {
        let payloads = messages(count: 6)
        var wire: [UInt8] = []
        for p in payloads { GRPCMessageFramer.frame(p, into: &wire) }
        var deframer = GRPCMessageDeframer(encoding: nil)
        deframer.append(wire)
        #expect(try drain(&deframer) == payloads)
        #expect(!deframer.hasPartialMessage)
    }

    @Test func byteByByte() throws {
        let payloads = messages(count: 5)
        var wire: [UInt8] = []
        for p in payloads { GRPCMessageFramer.frame(p, into: &wire) }
        var deframer = GRPCMessageDeframer(encoding: "identity")
        var got: [[UInt8]] = []
        for byte in wire {
            deframer.append([byte])
            got += try drain(&deframer)
        }
        #expect(got == payloads)
        #expect(!deframer.hasPartialMessage)
    }

    @Test func randomSplits() throws {
        var rng = SystemRandomNumberGenerator()
        let payloads = messages(count: 9)
        var wire: [UInt8] = []
        for (i, p) in payloads.enumerated() {
            GRPCMessageFramer.frame(i % 3 == 0 ? Gzip.compress(p) : p, compressed: i % 3 == 0, into: &wire)
        }
        for _ in 0..<50 {
            var deframer = GRPCMessageDeframer(encoding: "gzip")
            var got: [[UInt8]] = []
            var index = 0
            while index < wire.count {
                let n = Int.random(in: 1...64, using: &rng)
                let end = min(wire.count, index + n)
                deframer.append(wire[index..<end])
                index = end
                got += try drain(&deframer)
            }
            #expect(got == payloads)
            #expect(!deframer.hasPartialMessage)
        }
    }

    @Test func emptyMessageAndPartial() throws {
        var deframer = GRPCMessageDeframer(encoding: nil)
        deframer.append([0, 0, 0, 0, 0, 0, 0])
        #expect(try deframer.next() == [])
        #expect(try deframer.next() == nil)
        #expect(deframer.hasPartialMessage)
        deframer.append([0, 0, 2, 0xAA])
        #expect(try deframer.next() == nil)
        #expect(deframer.hasPartialMessage)
        deframer.append([0xBB])
        #expect(try deframer.next() == [0xAA, 0xBB])
        #expect(!deframer.hasPartialMessage)
    }

    @Test func tooLargeDetectedFromPrefix() {
        var deframer = GRPCMessageDeframer(maxMessageSize: 2_097_152, encoding: nil)
        deframer.append([0, 0x00, 0x20, 0x00, 0x01])
        // Payload bytes after the failure are dropped (bounded memory).
        deframer.append([UInt8](repeating: 1, count: 10_000))
        #expect(deframer.bufferedByteCount == 0)
        #expect(throws: GRPCStatus(.resourceExhausted, "grpc: received message larger than max (2097153 vs. 2097152)")) {
            try deframer.next()
        }
        #expect(throws: GRPCStatus(.resourceExhausted, "grpc: received message larger than max (2097153 vs. 2097152)")) {
            try deframer.next()
        }
        #expect(!deframer.hasPartialMessage)
    }

    @Test func tooLargeInOneAppend() {
        var deframer = GRPCMessageDeframer(maxMessageSize: 10, encoding: nil)
        deframer.append([0, 0, 0, 0, 11] + [UInt8](repeating: 0, count: 11))
        #expect(deframer.bufferedByteCount == 0)
        #expect(throws: GRPCStatus(.resourceExhausted, "grpc: received message larger than max (11 vs. 10)")) {
            try deframer.next()
        }
    }

    @Test func exactlyMaxIsAccepted() throws {
        var deframer = GRPCMessageDeframer(maxMessageSize: 10, encoding: nil)
        deframer.append(GRPCMessageFramer.framed([UInt8](repeating: 9, count: 10)))
        #expect(try deframer.next() == [UInt8](repeating: 9, count: 10))
    }

    @Test func compressedFlagWithoutEncoding() {
        for encoding in [nil, "identity", ""] as [String?] {
            var deframer = GRPCMessageDeframer(encoding: encoding)
            deframer.append([1, 0, 0, 0, 1, 0])
            #expect(throws: GRPCStatus(.internalError, "grpc: compressed flag set with identity or empty encoding")) {
                try deframer.next()
            }
        }
    }

    @Test func unsupportedEncoding() throws {
        var deframer = GRPCMessageDeframer(encoding: "snappy")
        deframer.append(GRPCMessageFramer.framed([1, 2, 3]))
        #expect(try deframer.next() == [1, 2, 3])  // uncompressed messages still pass
        deframer.append([1, 0, 0, 0, 1, 0])
        #expect(throws: GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \"snappy\"")) {
            try deframer.next()
        }
    }

    @Test func encodingCheckAtStreamStart() {
        #expect(GRPCMessageDeframer.checkEncoding(nil) == nil)
        #expect(GRPCMessageDeframer.checkEncoding("identity") == nil)
        #expect(GRPCMessageDeframer.checkEncoding("gzip") == nil)
        #expect(GRPCMessageDeframer.checkEncoding("br") == GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \"br\""))
        #expect(GRPCMessageDeframer.checkEncoding("a\"b")?.message == "grpc: Decompressor is not installed for grpc-encoding \"a\\\"b\"")
    }

    @Test func invalidFlag() {
        var deframer = GRPCMessageDeframer(encoding: "gzip")
        deframer.append([2, 0, 0, 0, 0])
        #expect(throws: GRPCStatus(.internalError, "grpc: received unexpected payload format 2")) {
            try deframer.next()
        }
    }

    @Test func lengthCheckedBeforeFlag() {
        var deframer = GRPCMessageDeframer(maxMessageSize: 4, encoding: nil)
        deframer.append([7, 0, 0, 0, 5])
        #expect(throws: GRPCStatus(.resourceExhausted, "grpc: received message larger than max (5 vs. 4)")) {
            try deframer.next()
        }
    }

    @Test func gzipMessage() throws {
        let payload = Array("range request".utf8)
        var deframer = GRPCMessageDeframer(encoding: "gzip")
        deframer.append(GRPCMessageFramer.framed(Gzip.compress(payload), compressed: true))
        #expect(try deframer.next() == payload)
    }

    @Test func decompressedTooLargeViaTrailerSize() {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 100_000))
        var deframer = GRPCMessageDeframer(maxMessageSize: 1000, encoding: "gzip")
        deframer.append(GRPCMessageFramer.framed(bomb, compressed: true))
        #expect(throws: GRPCStatus(.resourceExhausted, "grpc: received message after decompression larger than max (100000 vs. 1000)")) {
            try deframer.next()
        }
    }

    @Test func decompressedTooLargeWithLyingTrailer() {
        // ISIZE claims 10 bytes; inflation must still stop at max + 1.
        var bomb = Gzip.compress([UInt8](repeating: 0, count: 100_000))
        let n = bomb.count
        bomb[n - 4] = 10; bomb[n - 3] = 0; bomb[n - 2] = 0; bomb[n - 1] = 0
        var deframer = GRPCMessageDeframer(maxMessageSize: 1000, encoding: "gzip")
        deframer.append(GRPCMessageFramer.framed(bomb, compressed: true))
        #expect(throws: GRPCStatus(.resourceExhausted, "grpc: received message after decompression larger than max (1001 vs. 1000)")) {
            try deframer.next()
        }
    }

    @Test func corruptGzip() throws {
        var deframer = GRPCMessageDeframer(encoding: "gzip")
        // Valid header, invalid deflate block type (BTYPE 11), small ISIZE.
        deframer.append(GRPCMessageFramer.framed([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 1, 0, 0, 0], compressed: true))
        do {
            _ = try deframer.next()
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .internalError)
            #expect(error.message.hasPrefix("grpc: failed to decompress the received message: "))
            #expect(error.message.count > "grpc: failed to decompress the received message: ".count)
        }
    }
}
