import MVCC
import Testing

@testable import Mesh

@Suite struct MeshMirrorTests {
    static let t0: Int64 = 1_740_823_200  // 2025-03-01T10:00:00Z

    private func makeMirror(
        resources: Set<MeshResource> = Set(MeshResource.allCases), mcs: Bool = false, ces: Bool = false
    ) -> (MeshMirror, KVStore) {
        let store = KVStore()
        let mirror = MeshMirror(
            configuration: MeshMirrorConfiguration(
                cluster: MeshFixtures.cluster3, resources: resources, enableCiliumEndpointSlice: ces, enableMCSAPI: mcs,
                now: { Self.t0 }),
            store: store)
        return (mirror, store)
    }

    private func cep(_ name: String, ip: String, identity: Int = 199472) -> KubeObject {
        MeshFixtures.object(MeshFixtures.endpoint(name: name, namespace: "foo", ipv4: ip, ipv6: nil, node: "172.18.0.3", identity: identity))
    }

    @Test func fullGoldenListing() {
        let (mirror, store) = makeMirror()
        mirror.start()
        mirror.apply([
            .replaceAll(.namespace, []),
            .replaceAll(.ciliumNode, [MeshFixtures.object(MeshFixtures.node1)]),
            .replaceAll(.ciliumIdentity, [MeshFixtures.object(MeshFixtures.identity196915)]),
            .replaceAll(
                .ciliumEndpoint,
                [MeshFixtures.object(
                    MeshFixtures.endpoint(
                        name: "cep-002", namespace: "bar", ipv4: "10.244.2.74", ipv6: "fd00:10:244:2::e024", node: "172.18.0.2",
                        identity: 199475, key: 5))]),
            .replaceAll(.service, [MeshFixtures.object(MeshFixtures.echoService)]),
            .replaceAll(.endpointSlice, [MeshFixtures.object(MeshFixtures.echoSlice)]),
        ])
        let ts = "2025-03-01T10:00:00Z"
        #expect(
            MeshFixtures.textListing(store) == [
                "cilium/.has-cluster-config = true",
                "cilium/.heartbeat = \(ts)",
                #"cilium/cluster-config/cluster3 = {"id":3,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false,"endpointSlicesExportMode":"services-and-endpointslices"}}"#,
                "cilium/state/endpointslices/v1/cluster3/test/echo-eps1 = <slice>",
                "cilium/state/identities/v1/id/196915 = k8s:app=baz;k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=bar;",
                #"cilium/state/ip/v1/default/10.244.2.74 = {"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#,
                #"cilium/state/ip/v1/default/fd00:10:244:2::e024 = {"IP":"fd00:10:244:2::e024","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#,
                "cilium/state/nodes/v1/cluster3/test-node-1 = " + MeshFixtures.node1Value,
                "cilium/state/services/v1/cluster3/test/echo = " + MeshFixtures.echoValue,
                "cilium/synced/cluster3/cilium/state/endpointslices/v1 = \(ts)",
                "cilium/synced/cluster3/cilium/state/identities/v1 = \(ts)",
                "cilium/synced/cluster3/cilium/state/ip/v1 = \(ts)",
                "cilium/synced/cluster3/cilium/state/nodes/v1 = \(ts)",
                "cilium/synced/cluster3/cilium/state/serviceexports/v1 = \(ts)",
                "cilium/synced/cluster3/cilium/state/services/v1 = \(ts)",
            ])
        #expect(
            MeshFixtures.decodedSlice(store, key: "cilium/state/endpointslices/v1/cluster3/test/echo-eps1")
                == MeshFixtures.echoSliceJSON)
        #expect(mirror.isReady)
        let status = mirror.status
        #expect(status.keys == [.nodes: 1, .identities: 1, .endpoints: 2, .services: 1, .endpointSlices: 1])
        #expect(status.objects[.ciliumEndpoint] == 1)
    }

    @Test func unchangedValuesAreNotRewritten() {
        let (mirror, store) = makeMirror()
        let node = MeshFixtures.object(MeshFixtures.node1)
        let first = mirror.apply(.upsert(node))
        #expect(first.puts == 1)
        let revision = store.currentRevision
        let again = mirror.apply([.upsert(node), .beginRelist(.ciliumNode), .upsert(node), .relistDone(.ciliumNode)])
        #expect(again.puts == 0 && again.deletes == 0)
        #expect(store.currentRevision == revision)
        // A change in a field that is not exported does not write either.
        guard case .ciliumNode(var changed) = node else { return }
        changed.metadata.resourceVersion = "18"
        #expect(mirror.apply(.upsert(.ciliumNode(changed))).puts == 0)
        changed.spec?.health?.ipv4 = "10.244.0.135"
        #expect(mirror.apply(.upsert(.ciliumNode(changed))).puts == 1)
        #expect(store.currentRevision == revision + 1)
    }

    @Test func keysNoLongerProducedAreDeleted() {
        let (mirror, store) = makeMirror()
        mirror.apply(.upsert(MeshFixtures.object(MeshFixtures.endpoint(name: "a", namespace: "foo", ipv4: "10.0.0.1", ipv6: "fd00::1", node: "n", identity: 1))))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/").count == 2)
        let result = mirror.apply(.upsert(cep("a", ip: "10.0.0.2")))
        #expect(result.puts == 1 && result.deletes == 2)
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/").map { $0.prefix(38) } == ["cilium/state/ip/v1/default/10.0.0.2 = "])
        mirror.apply(.delete(.ciliumEndpoint, objectKey: "foo/a"))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/").isEmpty)
        #expect(mirror.status.keys[.endpoints] == 0)
    }

    @Test func ipMovingBetweenEndpointsSurvivesLateDelete() {
        let (mirror, store) = makeMirror()
        let key = "cilium/state/ip/v1/default/10.244.2.91"
        mirror.apply(.upsert(cep("cep-a", ip: "10.244.2.91", identity: 199472)))
        // B claims the IP while A still holds it: A stays the owner.
        mirror.apply(.upsert(cep("cep-b", ip: "10.244.2.91", identity: 199479)))
        #expect(mirror.owner(of: key) == MeshOwner(kind: .ciliumEndpoint, objectKey: "foo/cep-a"))
        #expect(MeshFixtures.listing(store, prefix: key).first?.contains(#""K8sPodName":"cep-a""#) == true)
        // A's late delete hands the key to B instead of deleting it.
        let result = mirror.apply(.delete(.ciliumEndpoint, objectKey: "foo/cep-a"))
        #expect(result.deletes == 0 && result.puts == 1)
        #expect(MeshFixtures.listing(store, prefix: key).first?.contains(#""ID":199479,"Key":0,"Metadata":"","K8sNamespace":"foo","K8sPodName":"cep-b""#) == true)
        // A reappearing queues behind B; B's delete hands it back.
        mirror.apply(.upsert(cep("cep-a", ip: "10.244.2.91")))
        #expect(mirror.owner(of: key)?.objectKey == "foo/cep-b")
        mirror.apply(.delete(.ciliumEndpoint, objectKey: "foo/cep-b"))
        #expect(MeshFixtures.listing(store, prefix: key).first?.contains(#""K8sPodName":"cep-a""#) == true)
        mirror.apply(.delete(.ciliumEndpoint, objectKey: "foo/cep-a"))
        #expect(MeshFixtures.listing(store, prefix: key).isEmpty)
    }

    @Test func relistDeletesExactlyTheStaleObjects() {
        let (mirror, store) = makeMirror()
        mirror.apply(.replaceAll(.ciliumEndpoint, [cep("a", ip: "10.0.0.1"), cep("b", ip: "10.0.0.2"), cep("c", ip: "10.0.0.3")]))
        let before = store.currentRevision
        let result = mirror.apply([
            .beginRelist(.ciliumEndpoint), .upsert(cep("a", ip: "10.0.0.1")), .upsert(cep("c", ip: "10.0.0.3")),
            .upsert(cep("d", ip: "10.0.0.4")), .relistDone(.ciliumEndpoint),
        ])
        #expect(result.deletes == 1 && result.puts == 1)
        #expect(store.currentRevision == before + 1)  // one transaction
        #expect(
            MeshFixtures.listing(store, prefix: "cilium/state/ip/").map { String($0.prefix(36)) } == [
                "cilium/state/ip/v1/default/10.0.0.1 ", "cilium/state/ip/v1/default/10.0.0.3 ",
                "cilium/state/ip/v1/default/10.0.0.4 ",
            ])
        // An empty relist clears everything.
        mirror.apply(.replaceAll(.ciliumEndpoint, []))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/").isEmpty)
    }

    @Test func canariesOnlyAfterInitialLists() {
        let (mirror, store) = makeMirror()
        func canaries() -> [String] {
            MeshFixtures.listing(store, prefix: "cilium/synced/").map { String($0.split(separator: " ")[0].dropFirst(23)) }
        }
        mirror.apply(.upsert(MeshFixtures.object(MeshFixtures.node1)))
        mirror.apply(.initialListDone(.ciliumNode))
        #expect(canaries().isEmpty)  // not started yet
        let started = mirror.start()
        #expect(started.canaries == [.nodes, .serviceExports])
        #expect(canaries() == ["cilium/state/nodes/v1", "cilium/state/serviceexports/v1"])
        #expect(!mirror.isReady)
        mirror.apply([.beginRelist(.service), .upsert(MeshFixtures.object(MeshFixtures.echoService)), .relistDone(.service)])
        mirror.apply(.replaceAll(.endpointSlice, [MeshFixtures.object(MeshFixtures.echoSlice)]))
        // Every resource filtered by namespace also waits for the Namespace list.
        #expect(canaries() == ["cilium/state/nodes/v1", "cilium/state/serviceexports/v1"])
        let slices = mirror.apply(.replaceAll(.namespace, []))
        #expect(slices.canaries == [.services, .endpointSlices])
        // The service's backends were written before (same call, earlier transaction) its canary.
        let service = try? store.range(key: Array("cilium/state/services/v1/cluster3/test/echo".utf8), end: [])
        let canary = try? store.range(key: Array("cilium/synced/cluster3/cilium/state/services/v1".utf8), end: [])
        #expect((service?.kvs.first?.modRevision ?? .max) < (canary?.kvs.first?.modRevision ?? 0))
        #expect(service?.kvs.first.map { String(decoding: $0.value, as: UTF8.self) } == MeshFixtures.echoValue)
        mirror.apply([.replaceAll(.ciliumIdentity, []), .replaceAll(.ciliumEndpoint, [])])
        #expect(mirror.isReady)
        // Canaries are written once.
        #expect(mirror.apply(.replaceAll(.ciliumEndpoint, [])).canaries.isEmpty)
    }

    @Test func readinessFollowsEnabledResources() {
        let (mirror, _) = makeMirror(resources: [.nodes], mcs: false)
        mirror.start()
        #expect(!mirror.isReady)
        // Events of kinds that are not consumed are ignored.
        #expect(mirror.apply(.upsert(MeshFixtures.object(MeshFixtures.echoService))).ignoredEvents == 1)
        mirror.apply(.replaceAll(.ciliumNode, []))
        #expect(mirror.isReady)
    }

    @Test func endpointSlicesModeAndMCSAPI() {
        let (mirror, store) = makeMirror(mcs: true, ces: true)
        mirror.start()
        mirror.apply(.replaceAll(.namespace, []))
        #expect(mirror.apply(.upsert(cep("a", ip: "10.0.0.1"))).ignoredEvents == 1)
        mirror.apply(.replaceAll(.serviceExport, [MeshFixtures.object(#"{"kind":"ServiceExport","metadata":{"name":"echo","namespace":"test","creationTimestamp":"2025-03-01T10:00:00Z"}}"#)]))
        #expect(!MeshFixtures.listing(store, prefix: "cilium/synced/").contains { $0.contains("serviceexports") })
        mirror.apply(.replaceAll(.service, [MeshFixtures.object(MeshFixtures.echoService)]))
        #expect(
            MeshFixtures.listing(store, prefix: "cilium/state/serviceexports/") == [
                #"cilium/state/serviceexports/v1/cluster3/test/echo = {"cluster":"cluster3","name":"echo","namespace":"test","exportCreationTimestamp":"2025-03-01T10:00:00Z","ports":[{"name":"http","protocol":"TCP","port":80}],"type":"ClusterSetIP","sessionAffinity":""}"#
            ])
        #expect(MeshFixtures.listing(store, prefix: "cilium/synced/").contains { $0.contains("serviceexports") })
        #expect(
            MeshFixtures.listing(store, prefix: "cilium/cluster-config/").first?.hasSuffix(
                #""serviceExportsEnabled":true,"endpointSlicesExportMode":"services-and-endpointslices"}}"#) == true)
        // Deleting the service removes the export's key and the service's key.
        mirror.apply(.delete(.service, objectKey: "test/echo"))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/").isEmpty)
    }

    @Test func serviceFollowsItsEndpointSlices() {
        let (mirror, store) = makeMirror()
        let key = "cilium/state/services/v1/cluster3/test/echo"
        mirror.apply(.upsert(MeshFixtures.object(MeshFixtures.echoSlice)))  // slice before its service
        #expect(MeshFixtures.listing(store, prefix: key).isEmpty)
        mirror.apply(.upsert(MeshFixtures.object(MeshFixtures.echoService)))
        #expect(MeshFixtures.listing(store, prefix: key) == ["\(key) = \(MeshFixtures.echoValue)"])
        mirror.apply(.delete(.endpointSlice, objectKey: "test/echo-eps1"))
        #expect(MeshFixtures.listing(store, prefix: key).first?.contains(#""backends":{}"#) == true)
        // Not global any more → deleted.
        guard case .service(var service) = MeshFixtures.object(MeshFixtures.echoService) else { return }
        service.metadata.annotations?["service.cilium.io/shared"] = "false"
        #expect(mirror.apply(.upsert(.service(service))).deletes == 1)
    }

    @Test func heartbeatAndStaticKeyEnforcement() throws {
        let (mirror, store) = makeMirror()
        mirror.start(now: Self.t0)
        let revision = store.currentRevision
        mirror.heartbeat(now: Self.t0)
        #expect(store.currentRevision == revision + 1)  // identical value still written
        mirror.heartbeat(now: Self.t0 + 60)
        #expect(MeshFixtures.listing(store, prefix: "cilium/.heartbeat") == ["cilium/.heartbeat = 2025-03-01T10:01:00Z"])
        #expect(mirror.enforceStaticKeys().puts == 0)
        store.deleteRange(key: Array("cilium/cluster-config/cluster3".utf8), end: [])
        try store.put(key: Array(KeyPaths.hasClusterConfig.utf8), value: Array("false".utf8))
        store.deleteRange(key: Array("cilium/synced/".utf8), end: Array("cilium/synced0".utf8))
        #expect(mirror.enforceStaticKeys().puts == 3)
        #expect(MeshFixtures.listing(store, prefix: "cilium/.has").first == "cilium/.has-cluster-config = true")
        #expect(MeshFixtures.listing(store, prefix: "cilium/synced/").count == 1)
    }

    @Test func storeErrorsAreRetriedAndHoldCanaries() {
        var configuration = KVStoreConfiguration()
        configuration.maxKeys = 5
        let store = KVStore(configuration: configuration)
        let mirror = MeshMirror(
            configuration: MeshMirrorConfiguration(cluster: MeshFixtures.cluster3, resources: [.endpoints], now: { Self.t0 }),
            store: store)
        mirror.start()  // 3 static keys
        let result = mirror.apply([
            .replaceAll(.namespace, []),
            .replaceAll(.ciliumEndpoint, [cep("a", ip: "10.0.0.1"), cep("b", ip: "10.0.0.2"), cep("c", ip: "10.0.0.3")]),
        ])
        #expect(result.puts == 2 && result.storeErrors.count == 1 && result.canaries.isEmpty)
        #expect(mirror.status.pendingKeys == 1)
        store.deleteRange(key: Array(KeyPaths.hasClusterConfig.utf8), end: [])
        store.deleteRange(key: Array(KeyPaths.heartbeat.utf8), end: [])
        let retry = mirror.apply([])
        #expect(retry.puts == 2 && retry.canaries == [.endpoints])  // the key, then the canary
        #expect(mirror.isReady)
    }

    @Test func bulkLoad100kEndpoints() {
        let (mirror, store) = makeMirror(resources: [.endpoints])
        mirror.start()
        var objects: [KubeObject] = []
        objects.reserveCapacity(100_000)
        for i in 0..<100_000 {
            let ip = "10.\(i >> 16).\((i >> 8) & 0xFF).\(i & 0xFF)"
            objects.append(
                .ciliumEndpoint(
                    CiliumEndpoint(
                        metadata: KubeObjectMeta(name: "pod-\(i)", namespace: "ns-\(i % 50)"),
                        status: .init(
                            identity: .init(id: 196_608 + Int64(i % 1000)),
                            networking: EndpointNetworking(addressing: [.init(ipv4: ip)], node: "172.18.0.2")))))
        }
        let clock = ContinuousClock()
        mirror.apply(.replaceAll(.namespace, []))
        let elapsed = clock.measure {
            let result = mirror.apply(.replaceAll(.ciliumEndpoint, objects))
            #expect(result.puts == 100_001)
        }
        #expect(store.keyCount == 100_000 + 4)
        #expect(mirror.isReady)
        // Generous bound for a debug build on a shared 2-core machine.
        #expect(elapsed < .seconds(60), "100k endpoints took \(elapsed)")
        print("bulk load of 100k endpoints: \(elapsed)")
        let again = clock.measure {
            #expect(mirror.apply(.replaceAll(.ciliumEndpoint, objects)).puts == 0)
        }
        print("no-op relist of 100k endpoints: \(again)")
    }
}
