import Foundation
import KubeClient
import MVCC
import Mesh
import MeshSources
import Synchronization
import Testing

/// End-to-end: fake API server on loopback → KubernetesSource → MeshMirror → KVStore.
@Suite(.serialized) struct KubernetesSourceTests {
    static let identities = "/apis/cilium.io/v2/ciliumidentities"
    static let endpoints = "/apis/cilium.io/v2/ciliumendpoints"
    static let prefix = "cilium/state/identities/v1/id/"

    /// Fast timings so the scenarios finish in seconds.
    static let fast = ListWatchOptions(
        pageSize: 2, watchTimeoutSeconds: 30, backoffInitial: .milliseconds(20), backoffMaximum: .milliseconds(200),
        crdRetryMaximum: .milliseconds(100), failuresBeforeRelist: 3, minimumHealthyWatch: .zero)

    final class LogBox: Sendable {
        let lines = Mutex<[String]>([])
    }

    final class Harness: Sendable {
        let server: FakeKubeAPIServer
        let store = KVStore()
        let mirror: MeshMirror
        let source: KubernetesSource
        let logBox = LogBox()

        init(resources: Set<MeshResource> = [.identities], installed: Bool = true, token: String? = "test-token") throws {
            server = try FakeKubeAPIServer()
            server.addCollection(KubernetesSourceTests.identities, kind: "CiliumIdentity", apiVersion: "cilium.io/v2", installed: installed)
            server.addCollection(KubernetesSourceTests.endpoints, kind: "CiliumEndpoint", apiVersion: "cilium.io/v2", installed: installed)
            // Namespaces are core (always served); none exists: the default (global) applies.
            server.addCollection("/api/v1/namespaces", kind: "Namespace", apiVersion: "v1", installed: true)
            mirror = MeshMirror(
                configuration: MeshMirrorConfiguration(cluster: MeshClusterInfo(name: "cluster3", id: 3), resources: resources, now: { 1_740_823_200 }),
                store: store)
            mirror.start()
            let config = KubeConfig(server: try KubeServerURL(parsing: server.url), token: token)
            let logs = logBox
            source = try KubernetesSource(
                config: config, mirror: mirror, options: KubernetesSourceOptions(listWatch: KubernetesSourceTests.fast, batchSize: 3),
                log: { line in logs.lines.withLock { $0.append(line) } })
        }

        func putIdentity(_ id: Int, app: String, silently: Bool = false) {
            server.put(KubernetesSourceTests.identities, name: String(id), rest: #""security-labels":{"k8s:app":"\#(app)","k8s:io.kubernetes.pod.namespace":"ns1"}"#, silently: silently)
        }

        /// `id → app` for every identity key in the store.
        var identityListing: [String: String] {
            var end = Array(KubernetesSourceTests.prefix.utf8)
            end[end.count - 1] += 1
            let kvs = (try? store.range(key: Array(KubernetesSourceTests.prefix.utf8), end: end).kvs) ?? []
            var out: [String: String] = [:]
            for kv in kvs {
                let key = String(decoding: kv.key, as: UTF8.self).dropFirst(KubernetesSourceTests.prefix.count)
                let value = String(decoding: kv.value, as: UTF8.self)
                let app = value.range(of: "k8s:app=").map { String(value[$0.upperBound...].prefix { $0 != ";" }) } ?? value
                out[String(key)] = app
            }
            return out
        }

        /// Waits until the server serves `n` watch streams (default: one per watched kind, the
        /// Namespace watch included), so `dropWatches` reaches them.
        func waitForWatches(_ n: Int? = nil) -> Bool {
            let count = n ?? source.kinds.count
            return KubernetesSourceTests.eventually { server.watchCount == count }
        }

        func status(_ kind: KubeKind = .ciliumIdentity) -> ListWatchStatus? {
            source.status.first { $0.kind == kind }?.watch
        }

        func stop() {
            if ProcessInfo.processInfo.environment["KUBE_TEST_LOGS"] != nil {
                for line in logBox.lines.withLock({ $0 }) { print("LOG", line) }
                for r in server.requestLog { print("REQ", r.target) }
            }
            source.stop()
            server.stop()
        }
    }

    /// Polls `condition` for up to `seconds`.
    @discardableResult
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func paginatedListThenWatchCreateUpdateDelete() throws {
        let h = try Harness()
        defer { h.stop() }
        for i in 1...5 { h.putIdentity(196_608 + i, app: "v\(i)") }
        h.source.start()
        #expect(Self.eventually { h.mirror.status.initialListsDone.contains(.ciliumIdentity) })
        #expect(h.identityListing == ["196609": "v1", "196610": "v2", "196611": "v3", "196612": "v4", "196613": "v5"])
        // Three list pages of two items each.
        #expect(h.server.requestLog.filter { $0.target.contains("continue=") }.count == 2)
        #expect(Self.eventually { h.status()?.phase == .watching })

        h.putIdentity(196_614, app: "v6")
        h.putIdentity(196_609, app: "v1b")
        h.server.delete(Self.identities, key: "196610")
        let expected = ["196609": "v1b", "196611": "v3", "196612": "v4", "196613": "v5", "196614": "v6"]
        #expect(Self.eventually { h.identityListing == expected })
        #expect(h.status()?.relists == 0)
        // The canary is written once the initial list is in.
        #expect((try? h.store.range(key: Array("cilium/synced/cluster3/cilium/state/identities/v1".utf8), end: []).kvs.count) == 1)
        // Every request carried the token.
        #expect(h.server.requestLog.allSatisfy { $0.authorization == "Bearer test-token" })
        #expect(h.server.requestLog.contains { $0.target.contains("watch=1") && $0.target.contains("allowWatchBookmarks=true") })
    }

    @Test func droppedWatchResumesFromLastResourceVersion() throws {
        let h = try Harness()
        defer { h.stop() }
        h.putIdentity(196_609, app: "a")
        h.source.start()
        #expect(Self.eventually { h.status()?.phase == .watching && h.identityListing == ["196609": "a"] })
        for round in 0..<3 {
            #expect(h.waitForWatches())
            h.server.dropWatches()
            h.putIdentity(196_700 + round, app: "r\(round)")
            h.server.delete(Self.identities, key: "196609")
            h.putIdentity(196_609, app: "a\(round)")
        }
        let expected = ["196609": "a2", "196700": "r0", "196701": "r1", "196702": "r2"]
        #expect(Self.eventually { h.identityListing == expected })
        #expect(Self.eventually { (h.status()?.watchReconnects ?? 0) >= 1 })
        // Resuming from the last resourceVersion needed no relist.
        #expect(h.status()?.relists == 0)
        let watches = h.server.requestLog.filter { $0.target.contains("watch=1") }
        #expect(watches.count >= 2)
        #expect(watches.dropFirst().allSatisfy { $0.target.contains("resourceVersion=") })
    }

    @Test func goneRelistsAndDeletesExactlyTheStaleObjects() throws {
        let h = try Harness()
        defer { h.stop() }
        for i in 1...4 { h.putIdentity(196_608 + i, app: "v\(i)") }
        h.source.start()
        #expect(Self.eventually { h.status()?.phase == .watching && h.identityListing.count == 4 })
        #expect(h.waitForWatches())
        // Changes the watch never reports (compacted away), then the watch breaks.
        h.server.delete(Self.identities, key: "196609", silently: true)
        h.putIdentity(196_610, app: "v2b", silently: true)
        h.putIdentity(196_620, app: "new", silently: true)
        h.server.compact()
        h.server.dropWatches()
        let expected = ["196610": "v2b", "196611": "v3", "196612": "v4", "196620": "new"]
        #expect(Self.eventually { h.identityListing == expected })
        #expect((h.status()?.relists ?? 0) >= 1)
        #expect((h.status()?.goneResponses ?? 0) >= 1)
        #expect(h.logBox.lines.withLock { $0.contains { $0.contains("410 Gone") } })
        #expect(h.logBox.lines.withLock { $0.contains { $0.contains("relisted") } })
        // Back to watching after the relist.
        h.putIdentity(196_621, app: "after")
        #expect(Self.eventually { h.identityListing["196621"] == "after" })
    }

    @Test func goneAsHTTPStatusAlsoRelists() throws {
        let h = try Harness()
        defer { h.stop() }
        h.server.goneAsHTTPStatus = true
        h.putIdentity(196_609, app: "a")
        h.source.start()
        #expect(Self.eventually { h.status()?.phase == .watching && h.identityListing.count == 1 })
        #expect(h.waitForWatches())
        h.server.delete(Self.identities, key: "196609", silently: true)
        h.putIdentity(196_630, app: "b", silently: true)
        h.server.compact()
        h.server.dropWatches()
        #expect(Self.eventually { h.identityListing == ["196630": "b"] })
        #expect((h.status()?.relists ?? 0) >= 1)
    }

    @Test func expiredContinueTokenRestartsTheList() throws {
        let h = try Harness()
        defer { h.stop() }
        for i in 1...5 { h.putIdentity(196_608 + i, app: "v\(i)") }
        h.server.setExpireContinueTokens(1)
        h.source.start()
        #expect(Self.eventually { h.mirror.status.initialListsDone.contains(.ciliumIdentity) })
        #expect(h.identityListing.count == 5)
        #expect((h.status()?.goneResponses ?? 0) == 1)
        #expect(h.status()?.lists == 1)
        #expect(h.logBox.lines.withLock { $0.contains { $0.contains("continue token expired") } })
    }

    @Test func missingCRDIsReportedAndRetriedUntilItAppears() throws {
        let h = try Harness(installed: false)
        defer { h.stop() }
        h.source.start()
        #expect(Self.eventually { h.status()?.phase == .crdMissing })
        #expect(h.logBox.lines.withLock { $0.contains { $0.contains("CRD missing") } })
        #expect(!h.mirror.status.initialListsDone.contains(.ciliumIdentity))
        let attempts = h.server.requestLog.count
        #expect(Self.eventually { h.server.requestLog.count > attempts + 1 })  // retried
        // cilium/cilium #47793: no canary for a list that never happened (peers would drain).
        let canary = Array("cilium/synced/cluster3/cilium/state/identities/v1".utf8)
        #expect((try? h.store.range(key: canary, end: []).kvs.count) == 0)
        #expect(!h.mirror.isReady)
        h.server.install(Self.identities)
        h.putIdentity(196_609, app: "late")
        #expect(Self.eventually { h.identityListing == ["196609": "late"] })
        #expect(Self.eventually { (try? h.store.range(key: canary, end: []).kvs.count) == 1 })
        #expect(Self.eventually { h.status()?.phase == .watching })
        #expect(h.status()?.lists == 1)
    }

    @Test func namespacedObjectsDeleteByNamespaceAndName() throws {
        let h = try Harness(resources: [.endpoints])
        defer { h.stop() }
        func cep(_ name: String, _ ip: String) -> String {
            #""status":{"id":1,"identity":{"id":199472,"labels":[]},"networking":{"addressing":[{"ipv4":"\#(ip)"}],"node":"172.18.0.3"},"state":"ready"}"#
        }
        h.server.put(Self.endpoints, name: "a", namespace: "ns1", rest: cep("a", "10.0.0.1"))
        h.server.put(Self.endpoints, name: "a", namespace: "ns2", rest: cep("a", "10.0.0.2"))
        h.source.start()
        func ips() -> [String] {
            let p = "cilium/state/ip/v1/default/"
            var end = Array(p.utf8)
            end[end.count - 1] += 1
            return ((try? h.store.range(key: Array(p.utf8), end: end).kvs) ?? []).map {
                String(String(decoding: $0.key, as: UTF8.self).dropFirst(p.count))
            }
        }
        #expect(Self.eventually { ips() == ["10.0.0.1", "10.0.0.2"] })
        #expect(Self.eventually { h.status(.ciliumEndpoint)?.phase == .watching })
        h.server.delete(Self.endpoints, key: "ns1/a")
        #expect(Self.eventually { ips() == ["10.0.0.2"] })
    }

    @Test func stopEndsAllWatchersPromptly() throws {
        let h = try Harness(resources: [.identities, .endpoints])
        h.source.start()
        #expect(Self.eventually { h.source.status.allSatisfy { $0.watch.phase == .watching } })
        let begin = Date()
        h.source.stop()
        #expect(Date().timeIntervalSince(begin) < 2)
        #expect(h.source.status.allSatisfy { $0.watch.phase == .stopped })
        h.server.stop()
    }

    @Test func resourcePathsAndSelectors() {
        #expect(KubernetesSource.resource(for: .ciliumNode).path == "/apis/cilium.io/v2/ciliumnodes")
        #expect(KubernetesSource.resource(for: .ciliumEndpointSlice).path == "/apis/cilium.io/v2alpha1/ciliumendpointslices")
        #expect(KubernetesSource.resource(for: .endpointSlice).path == "/apis/discovery.k8s.io/v1/endpointslices")
        #expect(KubernetesSource.resource(for: .serviceExport).path == "/apis/multicluster.x-k8s.io/v1beta1/serviceexports")
        #expect(KubernetesSource.alternatives(for: .serviceExport).map(\.path) == ["/apis/multicluster.x-k8s.io/v1alpha1/serviceexports"])
        #expect(KubernetesSource.resource(for: .namespace).path == "/api/v1/namespaces")
        let services = KubernetesSource.resource(for: .service)
        #expect(services.path == "/api/v1/services")
        #expect(services.listTarget(limit: 500, continueToken: nil)
            == "/api/v1/services?limit=500&labelSelector=%21service.kubernetes.io%2Fservice-proxy-name")
        #expect(KubernetesSource.resource(for: .service, serviceProxyName: "p").labelSelector == "service.kubernetes.io/service-proxy-name=p")
    }
}
