import Foundation
import Mesh
import MeshSources
import MVCC
import Testing

@Suite struct SyntheticSourceTests {
    static func waitLoaded(_ source: SyntheticSource, seconds: Double = 600) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !source.isLoaded && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    static func run(_ parameters: SyntheticMeshParameters, cluster: MeshClusterInfo = TestSupport.cluster) async throws -> (MeshMirror, SyntheticSource) {
        let mirror = TestSupport.makeMirror(cluster: cluster)
        mirror.start()
        let source = try SyntheticSource(parameters: parameters, cluster: cluster)
        try source.start(mirror: mirror)
        try await waitLoaded(source)
        return (mirror, source)
    }

    @Test func keyCountsMatchTheRequestedSizes() async throws {
        let p = SyntheticMeshParameters(nodes: 20, endpoints: 1000, identities: 150, services: 30, batchSize: 64)
        let (mirror, source) = try await Self.run(p)
        defer { source.stop() }
        #expect(mirror.isReady)
        let store = mirror.store
        #expect(TestSupport.count(store, prefix: KeyPaths.nodesPrefix) == 20)
        #expect(TestSupport.count(store, prefix: KeyPaths.identitiesPrefix) == 150)
        #expect(TestSupport.count(store, prefix: KeyPaths.ipPrefix) == p.ipKeyCount)
        #expect(p.ipKeyCount == 1100)
        #expect(TestSupport.count(store, prefix: KeyPaths.servicesPrefix) == 30)
        #expect(mirror.status.totalRejections == 0)
        // Identities carry the cluster label and lie in the cluster's range.
        let identities = TestSupport.listing(store, prefix: KeyPaths.identitiesPrefix + "/")
        let range = KeyPaths.identityRange(clusterID: 1)!
        for (key, value) in identities {
            #expect(value.contains("k8s:io.cilium.k8s.policy.cluster=c1;"))
            #expect(UInt32(key.split(separator: "/").last!).map(range.contains) == true)
        }
        // Service backends are endpoint IPs.
        let ips = Set(TestSupport.listing(store, prefix: KeyPaths.ipPrefix + "/").keys.map { $0.split(separator: "/").last.map(String.init)! })
        let service = TestSupport.listing(store, prefix: KeyPaths.servicesPrefix + "/")["cilium/state/services/v1/c1/ns-0/svc-0"]
        #expect(service?.contains("\"10.128.0.10\"") == true)
        #expect(ips.contains("10.128.0.10"))
    }

    @Test func nonGlobalNamespacesAreNotExported() async throws {
        // 20 % of 50 namespaces (ns-0 … ns-9) annotated clustermesh.cilium.io/global: "false".
        let p = SyntheticMeshParameters(nodes: 10, endpoints: 500, identities: 100, services: 50, nonGlobalPercent: 20)
        #expect(try SyntheticMeshParameters(parsing: "nodes=10,endpoints=500,identities=100,services=50,nonglobal=20", spec: "s") == p)
        let (mirror, source) = try await Self.run(p)
        defer { source.stop() }
        #expect(mirror.isReady)
        let store = mirror.store
        let global = (0..<50).filter { $0 >= 10 }.map { "ns-\($0)" }
        // Identities j live in ns-(j % 50): 80 of the 100 are exported; nodes are never filtered.
        #expect(TestSupport.count(store, prefix: KeyPaths.identitiesPrefix) == 80)
        #expect(TestSupport.count(store, prefix: KeyPaths.nodesPrefix) == 10)
        let ips = TestSupport.listing(store, prefix: KeyPaths.ipPrefix + "/")
        #expect(!ips.isEmpty && ips.values.allSatisfy { value in global.contains { value.contains(#""K8sNamespace":"\#($0)""#) } })
        #expect(TestSupport.count(store, prefix: KeyPaths.servicesPrefix) == 40)
        #expect(TestSupport.count(store, prefix: KeyPaths.endpointSlicesPrefix) == 40)
        #expect(throws: MeshSourceError.self) { try SyntheticMeshParameters(parsing: "nonglobal=101", spec: "s") }
    }

    @Test func deterministicFromSeed() async throws {
        let p = SyntheticMeshParameters(nodes: 7, endpoints: 300, identities: 40, services: 9, seed: 42)
        let (a, sa) = try await Self.run(p)
        let (b, sb) = try await Self.run(p)
        sa.stop()
        sb.stop()
        #expect(TestSupport.listing(a.store, prefix: "cilium/state/") == TestSupport.listing(b.store, prefix: "cilium/state/"))
        var other = p
        other.seed = 43
        let (c, sc) = try await Self.run(other)
        sc.stop()
        #expect(TestSupport.listing(a.store, prefix: "cilium/state/") != TestSupport.listing(c.store, prefix: "cilium/state/"))
    }

    @Test func churnModifiesEndpoints() async throws {
        let p = SyntheticMeshParameters(nodes: 5, endpoints: 200, identities: 60, services: 2, churn: 200)
        let (mirror, source) = try await Self.run(p)
        let before = mirror.store.currentRevision
        // Churn may already have run while loading finished: count from here.
        let startEvents = source.churnEvents
        for _ in 0..<250 where source.churnEvents < startEvents + 40 { try await Task.sleep(for: .milliseconds(20)) }
        source.stop()
        #expect(source.churnEvents >= startEvents + 40)
        #expect(mirror.store.currentRevision > before)
        // Only endpoint IPs change.
        var options = RangeOptions()
        options.minModRevision = before + 1
        let changed = try mirror.store.range(key: Array("cilium/".utf8), end: Array("cilium0".utf8), options: options).kvs
        #expect(!changed.isEmpty)
        for kv in changed { #expect(String(decoding: kv.key, as: UTF8.self).hasPrefix(KeyPaths.ipPrefix + "/")) }
    }

    @Test func rejectsImpossibleSizes() {
        #expect(throws: MeshSourceError.self) {
            try SyntheticSource(parameters: .init(nodes: 1, endpoints: 500), cluster: TestSupport.cluster)
        }
        #expect(throws: MeshSourceError.self) {
            try SyntheticSource(parameters: .init(identities: 0), cluster: TestSupport.cluster)
        }
    }

    /// The issue's scale target; prints time to ready and VmRSS (debug build numbers).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MESH_SCALE_TEST"] != nil))
    func readyAtScale() async throws {
        let rssBefore = TestSupport.residentKiB() ?? 0
        let started = Date()
        let p = SyntheticMeshParameters(nodes: 5000, endpoints: 100_000, identities: 20_000, services: 1000)
        let (mirror, source) = try await Self.run(p)
        let seconds = Date().timeIntervalSince(started)
        source.stop()
        #expect(mirror.isReady)
        #expect(TestSupport.count(mirror.store, prefix: KeyPaths.ipPrefix) == p.ipKeyCount)
        let rss = TestSupport.residentKiB() ?? 0
        print("synthetic scale: ready in \(String(format: "%.2f", seconds)) s, keys \(mirror.store.keyCount), VmRSS \(rss / 1024) MiB (+\((rss - rssBefore) / 1024) MiB)")
    }
}
