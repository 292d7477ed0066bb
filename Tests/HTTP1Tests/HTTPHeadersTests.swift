import Testing
@testable import HTTP1

struct HTTPHeadersTests {
    @Test func lookupIsCaseInsensitiveAndOrdered() {
        var h: HTTPHeaders = [("Accept-Encoding", "gzip"), ("X", "1"), ("accept-encoding", "br")]
        #expect(h["ACCEPT-encoding"] == "gzip")
        #expect(h.values(for: "accept-encoding") == ["gzip", "br"])
        #expect(h.tokens(for: "Accept-Encoding") == ["gzip", "br"])
        #expect(!h.contains("accept"))
        h.set("Accept-Encoding", "identity")
        #expect(h.fields.map(\.name) == ["Accept-Encoding", "X"])
        h.remove("x")
        #expect(h.count == 1)
    }

    @Test func caseInsensitiveOnlyForLetters() {
        #expect(HTTPHeaders.equalsIgnoringCase("a-b", "A-B"))
        #expect(!HTTPHeaders.equalsIgnoringCase("@", "`"))
        #expect(!HTTPHeaders.equalsIgnoringCase("ab", "abc"))
    }

    @Test func tokensTrimAndLowercase() {
        let h: HTTPHeaders = [("Connection", " Keep-Alive ,, Upgrade\t")]
        #expect(h.tokens(for: "connection") == ["keep-alive", "upgrade"])
    }
}
