import Testing
@testable import TLS

/// The pure parts of context construction: ALPN encoding and selection.
@Suite struct SSLContextHandleTests {
    @Test func alpnSelectionFollowsServerPreference() {
        func select(_ preferences: [String], _ offered: [UInt8]) -> [UInt8]? {
            offered.withUnsafeBufferPointer { buffer in
                SSLContextHandle.selectALPN(preferences: preferences.map { Array($0.utf8) }, offered: buffer)
                    .map { Array(buffer[$0]) }
            }
        }
        let h2AndHTTP = SSLContextHandle.alpnWire([Array("http/1.1".utf8), Array("h2".utf8)])
        #expect(select(["h2", "http/1.1"], h2AndHTTP) == Array("h2".utf8))
        #expect(select(["http/1.1"], h2AndHTTP) == Array("http/1.1".utf8))
        #expect(select(["h2"], SSLContextHandle.alpnWire([Array("h2c".utf8), Array("foo".utf8)])) == nil)
        // Truncated and zero-length entries are malformed: no selection, never a crash.
        #expect(select(["h2"], [5, 0x68, 0x32]) == nil)
        #expect(select(["h2"], [0, 2, 0x68, 0x32]) == nil)
        #expect(select(["h2"], []) == nil)
    }

    @Test func alpnNamesMustBe1To255Bytes() throws {
        #expect(throws: TLSError.self) { _ = try SSLContextHandle.alpnNames([""]) }
        #expect(throws: TLSError.self) { _ = try SSLContextHandle.alpnNames([String(repeating: "x", count: 256)]) }
        #expect(try SSLContextHandle.alpnNames(["h2"]) == [[0x68, 0x32]])
    }
}
