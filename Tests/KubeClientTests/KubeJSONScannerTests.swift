import Testing

@testable import KubeClient

@Suite struct KubeJSONScannerTests {
    @Test func membersAndNestedSkipping() throws {
        let doc = Array(#" {"a": {"x":[1,{"y":"}]"}]}, "b" : "q\"uo\\te", "c":-12.5e3,"d":null,"e":[]} "#.utf8)
        let root = try KubeJSONScanner.value(doc)
        let members = try KubeJSONScanner.members(doc, root)
        #expect(members.map(\.key) == ["a", "b", "c", "d", "e"])
        #expect(String(decoding: doc[members[0].value], as: UTF8.self) == #"{"x":[1,{"y":"}]"}]}"#)
        #expect(try KubeJSONScanner.string(doc, members[1].value) == #"q"uo\te"#)
        #expect(try KubeJSONScanner.string(doc, members[2].value) == nil)
        #expect(try KubeJSONScanner.elements(doc, members[4].value).isEmpty)
    }

    @Test func unicodeEscapes() throws {
        let doc = Array(#""caf\u00e9 \ud83d\ude00 \n""#.utf8)
        #expect(try KubeJSONScanner.string(doc, 0..<doc.count) == "café 😀 \n")
    }

    @Test func truncatedAndMalformedInputThrow() {
        for text in [#"{"a":[1,2"#, #"{"a" 1}"#, #"{"a":"x"#, "", #"{"a":1,}"#, "[1 2]"] {
            let doc = Array(text.utf8)
            #expect(throws: KubeJSONError.self) {
                let root = try KubeJSONScanner.value(doc)
                if doc.first == UInt8(ascii: "[") {
                    _ = try KubeJSONScanner.elements(doc, root)
                } else {
                    _ = try KubeJSONScanner.members(doc, root)
                }
            }
        }
    }

    @Test func deepNestingIsSkippedWithoutRecursion() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let doc = Array(#"{"deep":\#(deep),"k":"v"}"#.utf8)
        let members = try KubeJSONScanner.members(doc, try KubeJSONScanner.value(doc))
        #expect(members.map(\.key) == ["deep", "k"])
    }
}
