import Foundation
import Mesh
import MeshSources
import MVCC
import Synchronization
import Testing

@Suite struct FileSourceTests {
    static func nodeYAML(_ name: String, ip: String, cidr: String) -> String {
        """
        ---
        apiVersion: cilium.io/v2
        kind: CiliumNode
        metadata:
          name: \(name)
        spec:
          addresses:
          - {type: InternalIP, ip: \(ip)}
          ipam:
            podCIDRs: [\(cidr)]
        """
    }

    static func endpointYAML(_ name: String, ip: String, identity: Int = 65541) -> String {
        """
        ---
        apiVersion: cilium.io/v2
        kind: CiliumEndpoint
        metadata: {name: \(name), namespace: default}
        status:
          identity: {id: \(identity)}
          networking:
            addressing: [{ipv4: \(ip)}]
            node: 172.18.0.3
        """
    }

    static let identityYAML = """
        ---
        apiVersion: cilium.io/v2
        kind: CiliumIdentity
        metadata: {name: "65541"}
        security-labels: {"k8s:app": x-wing, "k8s:io.cilium.k8s.policy.cluster": c1, "k8s:io.kubernetes.pod.namespace": default}
        """

    static func manifest(endpointIP: String, withSecondNode: Bool) -> String {
        var text = nodeYAML("n1", ip: "172.18.0.2", cidr: "10.1.0.0/24")
        if withSecondNode { text += "\n" + nodeYAML("n2", ip: "172.18.0.3", cidr: "10.1.1.0/24") }
        text += "\n" + identityYAML
        text += "\n" + endpointYAML("x-wing", ip: endpointIP)
        text += "\n" + endpointYAML("tie-fighter", ip: "10.1.1.20")
        return text + "\n"
    }

    @Test func initialLoadPublishesExactlyTheFileAndCanaries() throws {
        let dir = TestSupport.temporaryDirectory()
        let path = dir + "/mesh.yaml"
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.10", withSecondNode: true), to: path)
        let mirror = TestSupport.makeMirror()
        mirror.start()
        let source = FileSource(path: path, options: .init(pollInterval: 0))
        try source.start(mirror: mirror)
        #expect(mirror.isReady)
        let state = TestSupport.listing(mirror.store, prefix: "cilium/state/")
        #expect(state.keys.sorted() == [
            "cilium/state/identities/v1/id/65541",
            "cilium/state/ip/v1/default/10.1.1.10",
            "cilium/state/ip/v1/default/10.1.1.20",
            "cilium/state/nodes/v1/c1/n1",
            "cilium/state/nodes/v1/c1/n2",
        ])
        #expect(state["cilium/state/identities/v1/id/65541"] == "k8s:app=x-wing;k8s:io.cilium.k8s.policy.cluster=c1;k8s:io.kubernetes.pod.namespace=default;")
        #expect(state["cilium/state/ip/v1/default/10.1.1.10"]
            == #"{"IP":"10.1.1.10","Mask":null,"HostIP":"172.18.0.3","ID":65541,"Key":0,"Metadata":"","K8sNamespace":"default","K8sPodName":"x-wing"}"#)
        // Canaries for every resource, also services (no objects in the file).
        let all = TestSupport.listing(mirror.store)
        for canary in KeyPaths.syncedCanaries(cluster: "c1") { #expect(all[canary] != nil, "\(canary)") }
        #expect(source.poll() == .unchanged)
        #expect(source.statusDescription.contains("5 objects from 1 file"))
    }

    @Test func editChangesOnlyTheDifference() throws {
        let dir = TestSupport.temporaryDirectory()
        let path = dir + "/mesh.yaml"
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.10", withSecondNode: true), to: path)
        let mirror = TestSupport.makeMirror()
        mirror.start()
        let source = FileSource(path: path, options: .init(pollInterval: 0))
        try source.start(mirror: mirror)
        let before = mirror.store.currentRevision

        let stream = mirror.store.makeWatchStream(onPending: {})
        defer { stream.close() }
        _ = stream.watch(WatchCreateRequest(key: Array("cilium/".utf8), end: Array("cilium0".utf8)))

        // The x-wing endpoint moves to a new IP and node n2 disappears.
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.11", withSecondNode: false), to: path)
        guard case .reloaded(let result) = source.poll() else { Issue.record("no reload"); return }
        #expect(result.puts == 1 && result.deletes == 2)
        var events: [String] = []
        for message in stream.takePending(max: 100) {
            guard case .events(_, _, let batch) = message else { continue }
            for event in batch { events.append("\(event.type) \(String(decoding: event.kv.key, as: UTF8.self))") }
        }
        #expect(events.sorted() == [
            "delete cilium/state/ip/v1/default/10.1.1.10",
            "delete cilium/state/nodes/v1/c1/n2",
            "put cilium/state/ip/v1/default/10.1.1.11",
        ])
        // Untouched keys keep their revision.
        let kv = try mirror.store.range(key: Array("cilium/state/nodes/v1/c1/n1".utf8), end: []).kvs.first
        #expect(kv?.modRevision ?? .max <= before)
        #expect(source.poll() == .unchanged)
    }

    @Test func parseErrorKeepsState() throws {
        let dir = TestSupport.temporaryDirectory()
        let path = dir + "/mesh.yaml"
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.10", withSecondNode: true), to: path)
        let mirror = TestSupport.makeMirror()
        mirror.start()
        let logged = LogRecorder()
        let source = FileSource(path: path, options: .init(pollInterval: 0), log: logged.append)
        try source.start(mirror: mirror)
        let listing = TestSupport.listing(mirror.store, prefix: "cilium/state/")
        let revision = mirror.store.currentRevision

        TestSupport.write("kind: CiliumNode\nmetadata: {name: [broken\n", to: path)
        guard case .failed(.parse(let failedPath, _)) = source.poll() else { Issue.record("expected a parse failure"); return }
        #expect(failedPath == path)
        #expect(mirror.store.currentRevision == revision)
        #expect(TestSupport.listing(mirror.store, prefix: "cilium/state/") == listing)
        #expect(logged.lines.contains { $0.contains("keeping the previous state") })
        #expect(source.statusDescription.contains("last reload failed"))
        // Reported once, not on every poll.
        #expect(source.poll() == .unchanged)

        // Fixed again: applied.
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.10", withSecondNode: false), to: path)
        guard case .reloaded(let result) = source.poll() else { Issue.record("no reload"); return }
        #expect(result.deletes == 1 && result.puts == 0)
    }

    @Test func namespaceObjectsInTheFileDecide() throws {
        // A Namespace annotated non-global hides its objects; un-annotated namespaces and those
        // without a Namespace object follow --clustermesh-default-global-namespace (true here).
        let dir = TestSupport.temporaryDirectory()
        let path = dir + "/mesh.yaml"
        let hidden = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: default
              annotations: {clustermesh.cilium.io/global: "false"}
            ---
            """
        let manifest = Self.manifest(endpointIP: "10.1.1.10", withSecondNode: true)
        TestSupport.write(hidden + "\n" + manifest, to: path)
        let mirror = TestSupport.makeMirror()
        mirror.start()
        let source = FileSource(path: path, options: .init(pollInterval: 0))
        try source.start(mirror: mirror)
        #expect(mirror.isReady)
        #expect(TestSupport.listing(mirror.store, prefix: "cilium/state/").keys.sorted() == ["cilium/state/nodes/v1/c1/n1", "cilium/state/nodes/v1/c1/n2"])
        // Annotating it global (the file changes) publishes them.
        TestSupport.write(hidden.replacingOccurrences(of: "\"false\"", with: "\"TRUE\"") + "\n" + manifest + "\n", to: path)
        guard case .reloaded = source.poll() else {
            Issue.record("no reload")
            return
        }
        #expect(TestSupport.listing(mirror.store, prefix: "cilium/state/").count == 5)
    }

    @Test func directoryModeReadsManifestsSorted() throws {
        let dir = TestSupport.temporaryDirectory()
        TestSupport.write(Self.nodeYAML("n1", ip: "172.18.0.2", cidr: "10.1.0.0/24"), to: dir + "/10-nodes.yaml")
        TestSupport.write(Self.identityYAML, to: dir + "/20-identities.yml")
        TestSupport.write(#"{"kind":"CiliumEndpointList","items":[{"metadata":{"name":"p","namespace":"ns"},"status":{"networking":{"addressing":[{"ipv4":"10.1.0.9"}]}}}]}"#, to: dir + "/30-endpoints.json")
        TestSupport.write("not: [yaml", to: dir + "/notes.txt")
        TestSupport.write("not: [yaml", to: dir + "/.hidden.yaml")
        let mirror = TestSupport.makeMirror()
        mirror.start()
        let source = FileSource(path: dir, options: .init(pollInterval: 0))
        try source.start(mirror: mirror)
        #expect(TestSupport.listing(mirror.store, prefix: "cilium/state/").keys.sorted() == [
            "cilium/state/identities/v1/id/65541", "cilium/state/ip/v1/default/10.1.0.9", "cilium/state/nodes/v1/c1/n1",
        ])
        #expect(mirror.isReady)
        // A removed file removes its objects; a new file adds.
        try FileManager.default.removeItem(atPath: dir + "/20-identities.yml")
        TestSupport.write(Self.nodeYAML("n9", ip: "172.18.0.9", cidr: "10.1.9.0/24"), to: dir + "/40-more.yaml")
        guard case .reloaded = source.poll() else { Issue.record("no reload"); return }
        #expect(TestSupport.listing(mirror.store, prefix: "cilium/state/").keys.sorted() == [
            "cilium/state/ip/v1/default/10.1.0.9", "cilium/state/nodes/v1/c1/n1", "cilium/state/nodes/v1/c1/n9",
        ])
    }

    @Test func startFailsOnMissingOrBrokenPath() throws {
        let mirror = TestSupport.makeMirror()
        #expect(throws: MeshSourceError.self) {
            try FileSource(path: "/nonexistent/mesh.yaml", options: .init(pollInterval: 0)).start(mirror: mirror)
        }
        let dir = TestSupport.temporaryDirectory()
        TestSupport.write("- - - [", to: dir + "/x.yaml")
        #expect(throws: MeshSourceError.self) {
            try FileSource(path: dir + "/x.yaml", options: .init(pollInterval: 0)).start(mirror: mirror)
        }
    }

    @Test func timerPicksUpChanges() async throws {
        let dir = TestSupport.temporaryDirectory()
        let path = dir + "/mesh.yaml"
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.10", withSecondNode: true), to: path)
        let mirror = TestSupport.makeMirror()
        mirror.start()
        let source = FileSource(path: path, options: .init(pollInterval: 0.05))
        try source.start(mirror: mirror)
        defer { source.stop() }
        TestSupport.write(Self.manifest(endpointIP: "10.1.1.12", withSecondNode: true), to: path)
        let key = "cilium/state/ip/v1/default/10.1.1.12"
        for _ in 0..<100 where TestSupport.listing(mirror.store, prefix: key)[key] == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(TestSupport.listing(mirror.store, prefix: key)[key] != nil)
        source.stop()
        #expect(source.poll() == .notStarted)
    }
}

/// Collects log lines (thread-safe).
final class LogRecorder: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    var append: MeshSourceLog { { [self] line in storage.withLock { $0.append(line) } } }
}
