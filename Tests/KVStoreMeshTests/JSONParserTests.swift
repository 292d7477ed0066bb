import KVStoreMesh
import Testing

@Suite struct JSONParserTests {
    func parse(_ text: String) -> JSONValue? { try? JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKind() {
        #expect(parse(#" {"a":[1,-2.5e3,true,false,null,"x\n\u00e9\ud83d\ude00"],"b":{}} "#)
            == .object([
                JSONMember("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("x\né😀")])),
                JSONMember("b", .object([])),
            ]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "\"\u{01}\"", "\"\\x\"", "tru", "{} {}", "{\"a\" 1}",
        "[1 2]", "\"unterminated", "\"\\u12G4\"",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func nestingIsBounded() {
        #expect(parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil)
        #expect(throws: JSONParser.Failure.tooDeep) {
            try JSONParser.parse(Array((String(repeating: "[", count: 65) + String(repeating: "]", count: 65)).utf8))
        }
    }

    @Test func invalidUTF8AndLoneSurrogatesBecomeReplacementCharacters() throws {
        // Go's decoder replaces instead of failing.
        #expect(try JSONParser.parse([0x22, 0xFF, 0x22]) == .string("\u{FFFD}"))
        #expect(parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }

    @Test func memberLookupFollowsGo() {
        let v = parse(#"{"name":"a","NAME":"b","Other":1}"#)!
        #expect(v.member("name") == .string("a"))  // exact match wins
        #expect(v.member("Name") == .string("b"))  // else the last case-insensitive one
        #expect(v.member("other") == .number("1"))
        #expect(v.member("missing") == nil)
        #expect(parse(#"{"a":1,"a":2}"#)?.member("a") == .number("2"))  // duplicates: last wins
    }
}
