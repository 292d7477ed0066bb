import Testing

@testable import KubeClient

@Suite struct KubeWatchEventTests {
    @Test func objectEvents() throws {
        let line = Array(#"{"type":"MODIFIED","object":{"kind":"Service","metadata":{"name":"echo","namespace":"test","resourceVersion":"77"}}}"#.utf8)
        guard case .modified(let o) = try KubeWatchEvent.parse(line) else { Issue.record("not modified"); return }
        #expect(o.objectKey == "test/echo")
        #expect(o.resourceVersion == "77")
        guard case .deleted = try KubeWatchEvent.parse(Array(#"{"object":{"metadata":{"name":"a"}},"type":"DELETED"}"#.utf8)) else {
            Issue.record("not deleted"); return
        }
    }

    @Test func bookmarkAndError() throws {
        let bookmark = Array(#"{"type":"BOOKMARK","object":{"kind":"CiliumNode","metadata":{"resourceVersion":"12345","annotations":{"k8s.io/initial-events-end":"true"}}}}"#.utf8)
        #expect(try KubeWatchEvent.parse(bookmark) == .bookmark(resourceVersion: "12345"))
        let gone = Array(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#.utf8)
        #expect(try KubeWatchEvent.parse(gone) == .error(code: 410, reason: "Expired", message: "too old resource version: 1 (5)"))
    }

    @Test func invalidEvents() {
        #expect(throws: KubeListError.self) { try KubeWatchEvent.parse(Array(#"{"type":"ADDED"}"#.utf8)) }
        #expect(throws: KubeListError.self) { try KubeWatchEvent.parse(Array(#"{"type":"FOO","object":{}}"#.utf8)) }
        #expect(throws: KubeListError.self) { try KubeWatchEvent.parse(Array(#"{"type":"ADDED","object":{"metad"#.utf8)) }
    }
}
