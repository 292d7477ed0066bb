import Mesh
import MeshSources
import MVCC
import Testing

@Suite struct DemoSourceTests {
    /// The demo source publishes exactly DemoData's state keys and values.
    @Test(arguments: [("c1", UInt32(1)), ("cluster2", UInt32(2)), ("big", UInt32(200))])
    func matchesDemoData(name: String, id: UInt32) throws {
        let mirror = TestSupport.makeMirror(cluster: MeshClusterInfo(name: name, id: id))
        mirror.start()
        let source = DemoSource(clusterName: name, clusterID: id)
        try source.start(mirror: mirror)
        #expect(mirror.isReady)
        let published = TestSupport.listing(mirror.store, prefix: "cilium/state/")
        var expected: [String: String] = [:]
        for entry in DemoData.entries(clusterName: name, clusterID: id, now: 0) where entry.key.hasPrefix("cilium/state/") {
            expected[entry.key] = String(decoding: entry.value, as: UTF8.self)
        }
        #expect(published.count == 10)  // 2 nodes, 2 identities, 4 IPs, 1 service, 1 endpoint slice
        #expect(published.keys.sorted() == expected.keys.sorted())
        for (key, value) in expected { #expect(published[key] == value, "\(key)") }
        // Non-state keys: the same set (canaries, heartbeat, config).
        let all = TestSupport.listing(mirror.store)
        let expectedAll = Set(DemoData.entries(clusterName: name, clusterID: id, now: 0).map(\.key))
        #expect(Set(all.keys) == expectedAll)
        let config = KeyPaths.clusterConfig(cluster: name)
        #expect(all[config] == DemoData.entries(clusterName: name, clusterID: id, now: 0).first { $0.key == config }.map {
            String(decoding: $0.value, as: UTF8.self)
        })
        #expect(mirror.status.totalRejections == 0)
    }

    @Test func objectsParse() throws {
        let objects = try DemoSource.objects(clusterName: "c1", clusterID: 1)
        let kinds = Dictionary(grouping: objects, by: \.kind).mapValues(\.count)
        #expect(kinds == [.namespace: 1, .ciliumNode: 2, .ciliumIdentity: 2, .ciliumEndpoint: 3, .service: 1, .endpointSlice: 1])
    }

    @Test func secondStartThrows() throws {
        let mirror = TestSupport.makeMirror()
        let source = DemoSource(clusterName: "c1", clusterID: 1)
        try source.start(mirror: mirror)
        #expect(throws: MeshSourceError.alreadyStarted) { try source.start(mirror: mirror) }
    }
}
