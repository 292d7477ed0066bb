import KVStoreMesh
import Testing

@Suite struct GoShapeTests {
    func accepts(_ shape: GoShape, _ text: String) -> Bool {
        guard let v = try? JSONParser.parse(Array(text.utf8)) else { return false }
        return (try? shape.check(v)) != nil
    }

    @Test func integersFollowStrconv() {
        #expect(accepts(.uint(bits: 8), "255"))
        #expect(!accepts(.uint(bits: 8), "256"))
        #expect(!accepts(.uint(bits: 32), "-1"))
        #expect(!accepts(.uint(bits: 32), "1.0"))
        #expect(!accepts(.uint(bits: 32), "1e3"))
        #expect(!accepts(.uint(bits: 32), "\"7\""))
        #expect(accepts(.int(bits: 32), "-2147483648"))
        #expect(!accepts(.int(bits: 32), "2147483648"))
        #expect(accepts(.uint(bits: 32), "null"))  // null leaves the zero value
    }

    @Test func ipsBytesAndTimes() {
        #expect(accepts(.ip, #""10.0.0.1""#))
        #expect(accepts(.ip, #""fd00::1""#))
        #expect(accepts(.ip, #""""#))
        #expect(!accepts(.ip, #""10.0.0.256""#))
        #expect(!accepts(.ip, #""010.0.0.1""#))
        #expect(accepts(.bytes, #""////AA==""#))
        #expect(!accepts(.bytes, #""////AA=""#))
        #expect(!accepts(.bytes, #""*""#))
        #expect(GoShape.decodeBase64("////AA==") == [255, 255, 255, 0])
        #expect(GoShape.decodeBase64("") == [])
        #expect(accepts(.time, #""2025-03-01T10:00:00Z""#))
        #expect(!accepts(.time, #""yesterday""#))
    }

    @Test func structsIgnoreUnknownFieldsAndFoldCase() {
        let shape = GoShape.structure(["Port": .uint(bits: 16), "Labels": .map(.string), "List": .slice(.string)])
        #expect(accepts(shape, #"{"Port":80,"extra":{"x":[1]},"labels":{"a":"b"},"List":["x"]}"#))
        #expect(!accepts(shape, #"{"port":70000}"#))
        #expect(!accepts(shape, #"{"Labels":{"a":1}}"#))
        #expect(!accepts(shape, #"{"List":"x"}"#))
        #expect(!accepts(shape, #"[]"#))
        #expect(accepts(shape, "null"))
    }
}
