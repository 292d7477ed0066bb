import Testing
import GRPCWire

@Suite struct GRPCTimeoutTests {
    @Test(arguments: [
        ("1n", Int64(1)), ("4999972u", 4_999_972_000), ("10m", 10_000_000), ("3S", 3_000_000_000),
        ("2M", 120_000_000_000), ("1H", 3_600_000_000_000), ("0S", 0), ("99999999n", 99_999_999),
        ("00000001S", 1_000_000_000), ("99999999M", 5_999_999_940_000_000_000),
        ("99999999H", Int64.max),
    ])
    func valid(value: String, nanoseconds: Int64) {
        #expect(GRPCTimeout.parse(value) == nanoseconds)
    }

    @Test(arguments: ["", "S", "1", "123456789S", "1s", "1h", "-1S", "+1S", "1.5S", " 1S", "1 S", "１S"])
    func invalid(value: String) {
        #expect(GRPCTimeout.parse(value) == nil)
    }

    @Test func encode() {
        #expect(GRPCTimeout.encode(nanoseconds: 0) == "0n")
        #expect(GRPCTimeout.encode(nanoseconds: 99_999_999) == "99999999n")
        #expect(GRPCTimeout.encode(nanoseconds: 100_000_000) == "100000u")
        #expect(GRPCTimeout.encode(nanoseconds: 5_000_000_001) == "5000001u")
        #expect(GRPCTimeout.encode(nanoseconds: Int64.max) == "2562048H")
        for n: Int64 in [1, 999, 123_456_789_012, 86_400_000_000_000] {
            let parsed = GRPCTimeout.parse(GRPCTimeout.encode(nanoseconds: n))
            #expect(parsed.map { $0 >= n } == true)
        }
    }
}
