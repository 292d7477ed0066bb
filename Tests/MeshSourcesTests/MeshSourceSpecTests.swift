import Mesh
import MeshSources
import Testing

@Suite struct MeshSourceSpecTests {
    @Test func parsesEverySource() throws {
        #expect(try MeshSourceSpec(parsing: "kubernetes") == .kubernetes)
        #expect(try MeshSourceSpec(parsing: "demo") == .demo)
        #expect(try MeshSourceSpec(parsing: "empty") == .empty)
        #expect(try MeshSourceSpec(parsing: "file:/tmp/a:b.yaml") == .file(path: "/tmp/a:b.yaml"))
        let spec = try MeshSourceSpec(parsing: "synthetic:nodes=5000,endpoints=100000,identities=20000,services=1000,churn=50")
        #expect(spec == .synthetic(.init(nodes: 5000, endpoints: 100_000, identities: 20_000, services: 1000, churn: 50)))
        #expect(try MeshSourceSpec(parsing: "synthetic") == .synthetic(.init()))
        #expect(try MeshSourceSpec(parsing: spec.description) == spec)
        #expect(MeshSourceSpec.default == .demo)
        #expect(!MeshSourceSpec.empty.feedsMirror && MeshSourceSpec.demo.feedsMirror)
    }

    @Test(arguments: ["", "kube", "file:", "file", "demo:x", "synthetic:nodes", "synthetic:nodes=-1", "synthetic:pods=3",
                      "synthetic:nodes=1,endpoints=1000", "synthetic:ipv6=101"])
    func rejects(_ text: String) {
        #expect(throws: MeshSourceError.self) { try MeshSourceSpec(parsing: text) }
    }

    @Test func makesSources() throws {
        let cluster = MeshClusterInfo(name: "c1", id: 1)
        #expect(try MeshSourceSpec.kubernetes.makeSource(cluster: cluster) == nil)
        #expect(try MeshSourceSpec.demo.makeSource(cluster: cluster) is DemoSource)
        #expect(try MeshSourceSpec.empty.makeSource(cluster: cluster) is EmptySource)
        #expect(try MeshSourceSpec.file(path: "/x").makeSource(cluster: cluster) is FileSource)
        #expect(try MeshSourceSpec.synthetic(.init()).makeSource(cluster: cluster) is SyntheticSource)
    }

    @Test func emptySourceWritesNothing() throws {
        let mirror = TestSupport.makeMirror()
        let source = EmptySource()
        try source.start(mirror: mirror)
        source.stop()
        #expect(mirror.store.keyCount == 0)
        #expect(!mirror.isReady)
    }
}
