import Testing
import GRPCWire

@Suite struct GRPCMessageFramerTests {
    @Test func prefixLayout() {
        var out: [UInt8] = [0xEE]
        GRPCMessageFramer.frame([1, 2, 3], into: &out)
        #expect(out == [0xEE, 0, 0, 0, 0, 3, 1, 2, 3])
        #expect(GRPCMessageFramer.framed([], compressed: true) == [1, 0, 0, 0, 0])
    }

    @Test func bigEndianLength() {
        let payload = [UInt8](repeating: 7, count: 0x01_02_03)
        let framed = GRPCMessageFramer.framed(payload)
        #expect(Array(framed.prefix(5)) == [0, 0, 0x01, 0x02, 0x03])
        #expect(framed.count == payload.count + 5)
    }

    @Test func roundTrip() throws {
        for size in [0, 1, 4, 5, 100, 65_536] {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0) }
            var deframer = GRPCMessageDeframer(encoding: nil)
            deframer.append(GRPCMessageFramer.framed(payload))
            #expect(try deframer.next() == payload)
            #expect(try deframer.next() == nil)
        }
    }
}
