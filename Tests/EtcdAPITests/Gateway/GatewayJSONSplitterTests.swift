import Testing

@testable import EtcdAPI

@Suite struct GatewayJSONSplitterTests {
    func split(_ input: String, piece: Int) throws -> [String] {
        var s = GatewayJSONSplitter(maxObjectBytes: 1 << 20)
        let bytes = Array(input.utf8)
        var out: [String] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            s.append(bytes[offset..<end])
            offset = end
            while let r = try s.nextRange() { out.append(String(decoding: s.buffer[r], as: UTF8.self)) }
        }
        s.finish()
        while let r = try s.nextRange() { out.append(String(decoding: s.buffer[r], as: UTF8.self)) }
        return out
    }

    @Test(arguments: [1, 3, 1000])
    func values(piece: Int) throws {
        let input = #" {"a":"}{\"\\"} "# + "\n" + #"{"b":[{"c":"]"}]}[1,2]"x\"y" 12 null"#
        #expect(try split(input, piece: piece) == [
            #"{"a":"}{\"\\"}"#, #"{"b":[{"c":"]"}]}"#, "[1,2]", #""x\"y""#, "12", "null",
        ])
    }

    @Test func partialValueIsReported() throws {
        var s = GatewayJSONSplitter(maxObjectBytes: 100)
        s.append(Array(#"{"a":"#.utf8))
        #expect(try s.nextRange() == nil)
        #expect(s.hasPartialValue)
    }
}
