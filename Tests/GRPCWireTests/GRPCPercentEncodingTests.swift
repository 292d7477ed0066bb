import Testing
import GRPCWire

@Suite struct GRPCPercentEncodingTests {
    @Test(arguments: [
        ("", ""),
        ("etcdserver: key is not provided", "etcdserver: key is not provided"),
        ("100%", "100%25"),
        ("a\nb\tc", "a%0Ab%09c"),
        ("~ }", "~ }"),
        ("\u{7F}", "%7F"),
        ("Hello, 世界", "Hello, %E4%B8%96%E7%95%8C"),
        ("mañana", "ma%C3%B1ana"),
        ("😀", "%F0%9F%98%80"),
    ])
    func encode(input: String, expected: String) {
        #expect(GRPCPercentEncoding.encode(input) == expected)
        #expect(GRPCPercentEncoding.decode(expected) == input)
    }

    @Test func decodeTolerant() {
        #expect(GRPCPercentEncoding.decode("%") == "%")
        #expect(GRPCPercentEncoding.decode("%4") == "%4")
        #expect(GRPCPercentEncoding.decode("%zz") == "%zz")
        #expect(GRPCPercentEncoding.decode("%41%42") == "AB")
        #expect(GRPCPercentEncoding.decode("%e4%b8%96") == "世")
        #expect(GRPCPercentEncoding.decode("%FF") == "\u{FFFD}")
        #expect(GRPCPercentEncoding.decode("a%%41") == "a%A")
    }
}
