import Testing

@testable import KubeClient

@Suite struct KubeListPageTests {
    @Test func pageWithContinueToken() throws {
        let body = Array(#"""
            {"kind":"CiliumNodeList","apiVersion":"cilium.io/v2","metadata":{"resourceVersion":"4711","continue":"eyJ2IjoibWV0YS"},
             "items":[{"metadata":{"name":"n1","resourceVersion":"10"},"spec":{}},
                      {"metadata":{"name":"s","namespace":"ns","resourceVersion":"11"}}]}
            """#.utf8)
        let page = try KubeListPage.parse(body)
        #expect(page.resourceVersion == "4711")
        #expect(page.continueToken == "eyJ2IjoibWV0YS")
        #expect(page.items.map(\.objectKey) == ["n1", "ns/s"])
        #expect(page.items[0].resourceVersion == "10")
        #expect(String(decoding: page.items[0].json, as: UTF8.self) == #"{"metadata":{"name":"n1","resourceVersion":"10"},"spec":{}}"#)
    }

    @Test func lastPageAndEmptyItems() throws {
        let page = try KubeListPage.parse(Array(#"{"metadata":{"resourceVersion":"5","continue":""},"items":null}"#.utf8))
        #expect(page.continueToken == nil)
        #expect(page.items.isEmpty)
    }

    @Test func itemWithoutNameIsRejected() {
        #expect(throws: KubeListError.missingMetadata) {
            try KubeListPage.parse(Array(#"{"metadata":{},"items":[{"metadata":{"namespace":"x"}}]}"#.utf8))
        }
    }
}
