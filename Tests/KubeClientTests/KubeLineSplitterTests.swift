import Testing

@testable import KubeClient

@Suite struct KubeLineSplitterTests {
    @Test func linesAcrossChunks() throws {
        var s = KubeLineSplitter(maxLineBytes: 100)
        #expect(try s.append(Array("{\"a\":1}\n{\"b\"".utf8)).map { String(decoding: $0, as: UTF8.self) } == [#"{"a":1}"#])
        #expect(try s.append(Array(":2}\r\n\n  \n{\"c\":3}\n{".utf8)).map { String(decoding: $0, as: UTF8.self) } == [#"{"b":2}"#, #"{"c":3}"#])
        #expect(s.finish().map { String(decoding: $0, as: UTF8.self) } == "{")
    }

    @Test func byteByByte() throws {
        var s = KubeLineSplitter(maxLineBytes: 100)
        var lines: [String] = []
        for b in Array("one\ntwo\nthree\n".utf8) {
            lines += try s.append([b]).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines == ["one", "two", "three"])
    }

    @Test func overlongLineThrows() {
        var s = KubeLineSplitter(maxLineBytes: 8)
        #expect(throws: KubeClientError.tooLarge(limit: 8)) {
            _ = try s.append(Array("12345".utf8))
            _ = try s.append(Array("67890".utf8))
        }
        var t = KubeLineSplitter(maxLineBytes: 8)
        #expect(throws: KubeClientError.tooLarge(limit: 8)) { _ = try t.append(Array("123456789012\n".utf8)) }
    }
}
