import Testing

@testable import Mesh

@Suite struct KubeObjectTests {
    @Test func decodesByKindAndIgnoresUnknownFields() throws {
        let node = try KubeObject.decode(json: Array(MeshFixtures.node1.utf8))
        #expect(node.kind == .ciliumNode)
        #expect(node.objectKey == "test-node-1")
        #expect(node.metadata.resourceVersion == "17")
        guard case .ciliumNode(let n) = node else { Issue.record("kind"); return }
        #expect(n.spec?.ipam?.podCIDRs == ["10.244.0.0/24", "fd00:10:244::/64"])

        let identity = try KubeObject.decode(json: Array(MeshFixtures.identity196915.utf8))
        guard case .ciliumIdentity(let i) = identity else { Issue.record("kind"); return }
        #expect(i.securityLabels?["k8s:app"] == "baz")

        let slice = try KubeObject.decode(json: Array(MeshFixtures.echoSlice.utf8))
        #expect(slice.objectKey == "test/echo-eps1")
        guard case .endpointSlice(let s) = slice else { Issue.record("kind"); return }
        #expect(s.serviceKey == "test/echo")
    }

    @Test func errors() {
        #expect(throws: KubeDecodeError.unknownKind("Pod")) {
            try KubeObject.decode(json: Array(#"{"kind":"Pod","metadata":{"name":"p"}}"#.utf8))
        }
        #expect(throws: KubeDecodeError.missingKind) { try KubeObject.decode(json: Array(#"{"metadata":{}}"#.utf8)) }
        #expect(throws: KubeDecodeError.notAnObject) { try KubeObject.decode(json: Array("[1".utf8)) }
        #expect(throws: KubeDecodeError.tooLarge(size: 20, limit: 10)) {
            try KubeObject.decode(json: [UInt8](repeating: 0x20, count: 20), maxBytes: 10)
        }
        // Missing metadata.name.
        #expect(throws: KubeDecodeError.self) {
            try KubeObject.decode(json: Array(#"{"kind":"CiliumNode","metadata":{}}"#.utf8))
        }
    }

    @Test func decodesLists() throws {
        let typed = #"{"kind":"CiliumEndpointList","metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"a","namespace":"x"}},{"metadata":{"name":"b","namespace":"x"}}]}"#
        let objects = try KubeObject.decodeAll(json: Array(typed.utf8))
        #expect(objects.map(\.objectKey) == ["x/a", "x/b"])
        #expect(objects.allSatisfy { $0.kind == .ciliumEndpoint })

        let generic = #"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"p"}},{"kind":"Service","metadata":{"name":"s","namespace":"n"}}]}"#
        let mixed = try KubeObject.decodeAll(json: Array(generic.utf8))
        #expect(mixed.map(\.kind) == [.service])

        #expect(try KubeObject.decodeAll(json: Array(#"{"kind":"PodList","items":[{}]}"#.utf8)).isEmpty)
        #expect(try KubeObject.decodeAll(json: Array(MeshFixtures.node1.utf8)).count == 1)
    }
}
