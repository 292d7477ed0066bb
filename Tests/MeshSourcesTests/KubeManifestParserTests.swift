import Mesh
import MeshSources
import Testing

@Suite struct KubeManifestParserTests {
    /// `kubectl get ciliumnodes,ciliumendpoints -o yaml` shape: a generic List of kinded items.
    static let kubectlList = """
        apiVersion: v1
        items:
        - apiVersion: cilium.io/v2
          kind: CiliumNode
          metadata:
            creationTimestamp: "2025-03-01T10:00:00Z"
            generation: 3
            labels:
              kubernetes.io/hostname: kind-worker
              numeric-looking: 1.0
              flag: true
              empty:
            name: kind-worker
            resourceVersion: "1234"
            uid: 6f0c4b9e-0000-4000-a000-000000000001
          spec:
            addresses:
            - ip: 172.18.0.3
              type: InternalIP
            encryption: {}
            ipam:
              podCIDRs:
              - 10.244.1.0/24
            nodeidentity: 0x10
        - apiVersion: cilium.io/v2
          kind: CiliumEndpoint
          metadata:
            name: x-wing-1
            namespace: default
          status:
            identity:
              id: 65541
            networking:
              addressing:
              - ipv4: 10.244.1.10
              node: 172.18.0.3
        - apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: ignored
        kind: List
        metadata:
          resourceVersion: ""
        """

    @Test func kubectlListYAML() throws {
        let objects = try KubeManifestParser.parse(text: Self.kubectlList)
        #expect(objects.map(\.kind) == [.ciliumNode, .ciliumEndpoint])
        guard case .ciliumNode(let node) = objects[0], case .ciliumEndpoint(let endpoint) = objects[1] else {
            Issue.record("kinds")
            return
        }
        #expect(node.metadata.resourceVersion == "1234")
        // Label values stay strings whatever they look like; an empty one is "".
        #expect(node.metadata.labels == [
            "kubernetes.io/hostname": "kind-worker", "numeric-looking": "1.0", "flag": "true", "empty": "",
        ])
        #expect(node.spec?.nodeidentity == 16)
        #expect(node.spec?.ipam?.podCIDRs == ["10.244.1.0/24"])
        #expect(endpoint.status?.identity?.id == 65541)
        #expect(endpoint.metadata.objectKey == "default/x-wing-1")
    }

    @Test func multiDocumentWithEmptyDocuments() throws {
        let text = """
            ---
            apiVersion: cilium.io/v2
            kind: CiliumIdentity
            metadata:
              name: "65541"
            security-labels:
              k8s:app: x-wing
              k8s:io.cilium.k8s.policy.cluster: c1
            ---
            # only a comment
            ---
            kind: CiliumNodeList
            items:
            - metadata: {name: n1}
            - metadata: {name: n2}
            ---
            """
        let objects = try KubeManifestParser.parse(text: text)
        #expect(objects.map(\.objectKey) == ["65541", "n1", "n2"])
        guard case .ciliumIdentity(let identity) = objects[0] else { Issue.record("kind"); return }
        #expect(identity.securityLabels?["k8s:app"] == "x-wing")
    }

    @Test func jsonListFastPathAndYAMLFlowFallback() throws {
        let json = """
            {"kind":"List","apiVersion":"v1","items":[
              {"kind":"Service","apiVersion":"v1","metadata":{"name":"rebel-base","namespace":"default",
               "annotations":{"service.cilium.io/global":"true"}},"spec":{"clusterIP":"10.96.0.10","ports":[{"port":80}]}}
            ]}
            """
        let objects = try KubeManifestParser.parse(Array(json.utf8))
        #expect(objects.map(\.objectKey) == ["default/rebel-base"])
        // Not strict JSON (unquoted keys): parsed as YAML.
        let flow = "{kind: CiliumNode, metadata: {name: n1, labels: {a: 1}}}"
        let fromFlow = try KubeManifestParser.parse(Array(flow.utf8))
        #expect(fromFlow.map(\.objectKey) == ["n1"])
        #expect(fromFlow.first?.metadata.labels == ["a": "1"])
    }

    @Test func scalarTypes() throws {
        let text = """
            s1: "123"
            s2: '0x10'
            i: 0x10
            o: 0o17
            d: -007
            f: 1.5e3
            b: True
            n: ~
            e:
            inf: .inf
            lit: |
              line "one"
            tagged: !!str 42
            """
        let json = try KubeManifestParser.jsonDocuments(text: text)
        #expect(json.count == 1)
        #expect(String(decoding: json[0], as: UTF8.self) == #"{"s1":"123","s2":"0x10","i":16,"o":15,"d":-7,"f":1500.0,"b":true,"n":null,"e":null,"inf":".inf","lit":"line \"one\"\n","tagged":"42"}"#)
    }

    @Test func errors() {
        #expect(throws: KubeManifestError.notAnObject(document: 1)) { try KubeManifestParser.parse(text: "just a string") }
        #expect(throws: KubeManifestError.self) { try KubeManifestParser.parse(text: "kind: CiliumNode\nmetadata: {name: [unclosed") }
        #expect(throws: KubeManifestError.invalidUTF8) { try KubeManifestParser.parse([0x6B, 0xFF, 0xFE]) }
        #expect(throws: KubeManifestError.tooLarge(size: 20, limit: 10)) {
            try KubeManifestParser.parse(Array("kind: CiliumNode    ".utf8), maxBytes: 10)
        }
        // Model mismatch: metadata.name missing.
        #expect(throws: KubeManifestError.self) { try KubeManifestParser.parse(text: "kind: CiliumNode\nmetadata: {}") }
        do {
            _ = try KubeManifestParser.parse(text: "kind: CiliumNode\nmetadata: {name: a}\n---\nkind: CiliumNode\nmetadata: {}")
            Issue.record("expected an error")
        } catch {
            guard case .decode(let document, _) = error else { Issue.record("\(error)"); return }
            #expect(document == 2)
        }
    }

    @Test func aliasExpansionIsBounded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x]\n"
        for i in 1..<12 { text += "a\(i): &a\(i) [*a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1)]\n" }
        text += "kind: CiliumNode\n"
        #expect(throws: KubeManifestError.self) { try KubeManifestParser.parse(text: text, maxBytes: 1 << 20) }
    }
}
