import Testing
import Mesh

@Suite struct GoJSONTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("<a href=\"x\">&</a>", #""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e""#),
        ("back\\slash", #""back\\slash""#),
        ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
        ("\u{00}\u{01}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("line\u{2028}para\u{2029}", #""line\u2028para\u2029""#),
        ("héllo 世界 😀", "\"héllo 世界 😀\""),
        ("\u{FFFD}", "\"\u{FFFD}\""),
        ("", #""""#),
    ])
    func stringEscaping(input: String, expected: String) {
        #expect(GoJSON.string(input).text == expected)
    }

    @Test func invalidUTF8() {
        // Each invalid byte becomes \ufffd, like Go's utf8.DecodeRune returning (RuneError, 1).
        #expect(GoJSON.stringBytes([0x61, 0xFF, 0x62]).text == #""a\ufffdb""#)
        #expect(GoJSON.stringBytes([0xE2, 0x82, 0x41]).text == #""\ufffd\ufffdA""#)
        #expect(GoJSON.stringBytes([0xED, 0xA0, 0x80]).text == #""\ufffd\ufffd\ufffd""#)  // surrogate
        #expect(GoJSON.stringBytes([0xC0, 0x80]).text == #""\ufffd\ufffd""#)  // overlong
        #expect(GoJSON.stringBytes([0xF4, 0x90, 0x80, 0x80]).text == #""\ufffd\ufffd\ufffd\ufffd""#)  // > U+10FFFF
        #expect(GoJSON.stringBytes([0xE2, 0x82, 0xAC]).text == "\"€\"")
        #expect(GoJSON.stringBytes([0xF0, 0x9F, 0x98]).text == #""\ufffd\ufffd\ufffd""#)  // truncated
    }

    @Test func scalarsAndContainers() {
        #expect(GoJSON.null.text == "null")
        #expect(GoJSON.bool(true).text == "true")
        #expect(GoJSON.int(-42).text == "-42")
        #expect(GoJSON.uint(UInt64.max).text == "18446744073709551615")
        #expect(GoJSON.array([]).text == "[]")
        #expect(GoJSON.object([]).text == "{}")
        #expect(GoJSON.fields(["b": .int(1), "a": .null]).text == #"{"b":1,"a":null}"#)
        #expect(GoJSON.map(["b": .int(1), "a": .int(2), "B": .int(3), "é": .int(4), "<": .int(5)]).text
            == #"{"\u003c":5,"B":3,"a":2,"b":1,"é":4}"#)
        #expect(GoJSON.stringMap(nil).text == "null")
        #expect(GoJSON.stringMap([:]).text == "{}")
    }

    @Test func base64Bytes() {
        #expect(GoJSON.bytes([]).text == #""""#)
        #expect(GoJSON.bytes([0xFF, 0xFF, 0xFF, 0x00]).text == #""////AA==""#)
        #expect(GoJSON.bytes([0xFF, 0xFF, 0x00, 0x00]).text == #""//8AAA==""#)
        #expect(GoJSON.bytes(Array("foob".utf8)).text == #""Zm9vYg==""#)
        #expect(GoJSON.bytes(Array("fooba".utf8)).text == #""Zm9vYmE=""#)
        #expect(GoJSON.bytes(Array("foobar".utf8)).text == #""Zm9vYmFy""#)
    }
}
