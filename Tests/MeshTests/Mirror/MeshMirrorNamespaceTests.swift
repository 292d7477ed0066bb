import Foundation
import MVCC
import Testing

@testable import Mesh

/// The 1.19+ global-namespace filter and the 1.20+ endpoint slice export in the mirror, replaying
/// upstream's script tests (`globalnamespace*.txtar`, `ciliumendpointslices.txtar`,
/// `endpointslices.txtar`; reference/cilium-1.19-plus.md §B–§D) with their expected values.
@Suite struct MeshMirrorNamespaceTests {
    static let t0: Int64 = 1_740_823_200

    private func makeMirror(
        defaultGlobal: Bool = true, require: Bool = true, mode: ServiceV2Mode = .preferLegacy, mcs: Bool = false,
        ces: Bool = false
    ) -> (MeshMirror, KVStore) {
        let store = KVStore()
        let mirror = MeshMirror(
            configuration: MeshMirrorConfiguration(
                cluster: MeshFixtures.cluster3, enableCiliumEndpointSlice: ces, enableMCSAPI: mcs, serviceV2Mode: mode,
                defaultGlobalNamespace: defaultGlobal, requireNamespaceObjects: require, now: { Self.t0 }),
            store: store)
        mirror.start()
        return (mirror, store)
    }

    private func namespace(_ name: String, global: String? = nil) -> KubeObject {
        let annotations = global.map { #","annotations":{"clustermesh.cilium.io/global":"\#($0)"}"# } ?? ""
        return MeshFixtures.object(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(name)"\#(annotations)}}"#)
    }

    private func keys(_ store: KVStore, _ prefix: String) -> [String] {
        MeshFixtures.listing(store, prefix: prefix).map { String($0.prefix { $0 != " " }) }
    }

    // globalnamespace.txtar's CiliumEndpoints.
    static let cep1 = #"""
        {"apiVersion":"cilium.io/v2","kind":"CiliumEndpoint","metadata":{"name":"cep-001","namespace":"don"},
         "status":{"id":1481,"identity":{"id":199472,"labels":["k8s:app=don"]},
                   "networking":{"addressing":[{"ipv4":"10.244.1.79","ipv6":"fd00:10:244:1::d643"}],"node":"172.18.0.3"},
                   "service-account":"default","state":"ready"}}
        """#
    static let cep2 = #"""
        {"apiVersion":"cilium.io/v2","kind":"CiliumEndpoint","metadata":{"name":"cep-002","namespace":"quixote"},
         "status":{"encryption":{"key":5},"id":1482,"identity":{"id":199475,"labels":["k8s:app=quixote"]},
                   "networking":{"addressing":[{"ipv4":"10.244.2.74","ipv6":"fd00:10:244:2::e024"}],"node":"172.18.0.2"},
                   "service-account":"default","state":"ready"}}
        """#

    static let ips1 = [
        #"cilium/state/ip/v1/default/10.244.1.79 = {"IP":"10.244.1.79","Mask":null,"HostIP":"172.18.0.3","ID":199472,"Key":0,"Metadata":"","K8sNamespace":"don","K8sPodName":"cep-001","K8sServiceAccount":"default"}"#,
        #"cilium/state/ip/v1/default/fd00:10:244:1::d643 = {"IP":"fd00:10:244:1::d643","Mask":null,"HostIP":"172.18.0.3","ID":199472,"Key":0,"Metadata":"","K8sNamespace":"don","K8sPodName":"cep-001","K8sServiceAccount":"default"}"#,
    ]
    static let ips1and2 = [
        ips1[0],
        #"cilium/state/ip/v1/default/10.244.2.74 = {"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"quixote","K8sPodName":"cep-002","K8sServiceAccount":"default"}"#,
        ips1[1],
        #"cilium/state/ip/v1/default/fd00:10:244:2::e024 = {"IP":"fd00:10:244:2::e024","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"quixote","K8sPodName":"cep-002","K8sServiceAccount":"default"}"#,
    ]

    @Test func globalNamespaceScript() {
        // #! --clustermesh-default-global-namespace=false
        let (mirror, store) = makeMirror(defaultGlobal: false)
        mirror.apply([
            .replaceAll(.namespace, [namespace("don", global: "true"), namespace("quixote")]),
            .replaceAll(.ciliumEndpoint, [MeshFixtures.object(Self.cep1), MeshFixtures.object(Self.cep2)]),
        ])
        #expect(keys(store, "cilium/synced/").contains("cilium/synced/cluster3/cilium/state/ip/v1"))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/") == Self.ips1)
        mirror.apply(.upsert(namespace("quixote", global: "true")))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/") == Self.ips1and2)
        mirror.apply(.upsert(namespace("quixote")))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/") == Self.ips1)
        let result = mirror.apply(.delete(.namespace, objectKey: "don"))
        #expect(result.deletes == 2)
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/").isEmpty)
        // Nodes are never filtered; their canary and the others stay.
        mirror.apply(.replaceAll(.ciliumNode, [MeshFixtures.object(MeshFixtures.node1)]))
        #expect(keys(store, "cilium/state/nodes/") == ["cilium/state/nodes/v1/cluster3/test-node-1"])
        #expect(keys(store, "cilium/synced/").count == 3)  // nodes, ip, serviceexports
    }

    @Test(arguments: [
        ("true", true), ("TRUE", true), ("True", true), ("false", false), ("yes", false), ("", false), (" true", false),
    ])
    func annotationRule(value: String, global: Bool) {
        // Upstream IsGlobalNamespaceByObject: strings.ToLower(value) == "true", whatever the default.
        for defaultGlobal in [true, false] {
            let (mirror, store) = makeMirror(defaultGlobal: defaultGlobal)
            mirror.apply([.replaceAll(.namespace, [namespace("don", global: value)]), .upsert(MeshFixtures.object(Self.cep1))])
            #expect(keys(store, "cilium/state/ip/").count == (global ? 2 : 0), "\(value) default \(defaultGlobal)")
        }
        // Without the annotation the default decides.
        for defaultGlobal in [true, false] {
            let (mirror, store) = makeMirror(defaultGlobal: defaultGlobal)
            mirror.apply([.replaceAll(.namespace, [namespace("don")]), .upsert(MeshFixtures.object(Self.cep1))])
            #expect(keys(store, "cilium/state/ip/").count == (defaultGlobal ? 2 : 0))
        }
    }

    @Test func unknownNamespaces() {
        // Kubernetes semantics: held back until the Namespace object is known, then published.
        let (mirror, store) = makeMirror(require: true)
        mirror.apply(.upsert(MeshFixtures.object(Self.cep1)))
        #expect(keys(store, "cilium/state/ip/").isEmpty)
        mirror.apply(.upsert(namespace("don")))
        #expect(keys(store, "cilium/state/ip/").count == 2)
        // File/synthetic semantics: a namespace without an object takes the default.
        let (loose, looseStore) = makeMirror(require: false)
        loose.apply(.upsert(MeshFixtures.object(Self.cep1)))
        #expect(keys(looseStore, "cilium/state/ip/").count == 2)
        loose.apply(.upsert(namespace("don", global: "false")))
        #expect(keys(looseStore, "cilium/state/ip/").isEmpty)
        loose.apply(.delete(.namespace, objectKey: "don"))  // back to the default (global)
        #expect(keys(looseStore, "cilium/state/ip/").count == 2)
    }

    @Test func identitiesFilteredByTheirNamespaceLabel() {
        let (mirror, store) = makeMirror()
        func identity(_ id: Int, namespace: String?) -> KubeObject {
            let label = namespace.map { #","k8s:io.kubernetes.pod.namespace":"\#($0)""# } ?? ""
            return MeshFixtures.object(#"""
                {"apiVersion":"cilium.io/v2","kind":"CiliumIdentity","metadata":{"name":"\#(id)"},
                 "security-labels":{"k8s:app":"a","k8s:io.cilium.k8s.policy.cluster":"cluster3"\#(label)}}
                """#)
        }
        mirror.apply([
            .replaceAll(.namespace, [namespace("bar"), namespace("baz", global: "false")]),
            .replaceAll(.ciliumIdentity, [identity(196_915, namespace: "bar"), identity(196_916, namespace: "baz"), identity(196_917, namespace: nil)]),
        ])
        // No namespace label: upstream cannot determine the namespace and skips the identity.
        #expect(keys(store, "cilium/state/identities/") == ["cilium/state/identities/v1/id/196915"])
        #expect(keys(store, "cilium/synced/").contains("cilium/synced/cluster3/cilium/state/identities/v1"))
        mirror.apply(.upsert(namespace("baz", global: "true")))
        #expect(keys(store, "cilium/state/identities/") == ["cilium/state/identities/v1/id/196915", "cilium/state/identities/v1/id/196916"])
        // Deleting the identity while its namespace is not global leaves nothing behind.
        mirror.apply([.upsert(namespace("baz", global: "false")), .delete(.ciliumIdentity, objectKey: "196916"), .upsert(namespace("baz"))])
        #expect(keys(store, "cilium/state/identities/") == ["cilium/state/identities/v1/id/196915"])
    }

    @Test func ciliumEndpointSliceMovingNamespace() {
        // ciliumendpointslices.txtar's last step: a CES whose `namespace` moves to a non-global one.
        let (mirror, store) = makeMirror(ces: true)
        func ces(_ namespace: String) -> KubeObject {
            MeshFixtures.object(#"""
                {"apiVersion":"cilium.io/v2alpha1","kind":"CiliumEndpointSlice","metadata":{"name":"ces-67mn6kyjn-4tmqc"},
                 "namespace":"\#(namespace)",
                 "endpoints":[{"encryption":{},"id":199494,"name":"foo-005","service-account":"default",
                               "networking":{"addressing":[{"ipv4":"10.244.2.120","ipv6":"fd00:10:244:2::5e16"}],"node":"172.18.0.2"}}]}
                """#)
        }
        mirror.apply([
            .replaceAll(.namespace, [namespace("fred"), namespace("baz", global: "false")]), .replaceAll(.ciliumEndpointSlice, [ces("fred")]),
        ])
        #expect(
            MeshFixtures.listing(store, prefix: "cilium/state/ip/v1/default/10.244.2.120") == [
                #"cilium/state/ip/v1/default/10.244.2.120 = {"IP":"10.244.2.120","Mask":null,"HostIP":"172.18.0.2","ID":199494,"Key":0,"Metadata":"","K8sNamespace":"fred","K8sPodName":"foo-005","K8sServiceAccount":"default"}"#
            ])
        mirror.apply(.upsert(ces("baz")))
        #expect(keys(store, "cilium/state/ip/").isEmpty)
        mirror.apply(.upsert(namespace("baz")))  // annotation removed: default (global)
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/ip/").first?.contains(#""K8sNamespace":"baz""#) == true)
    }

    @Test func servicesSlicesAndExportsFollowTheirNamespace() {
        // globalnamespace-services.txtar and globalnamespace-serviceexports.txtar.
        let (mirror, store) = makeMirror(defaultGlobal: false, mcs: true)
        func service(_ ns: String, _ ip: String) -> KubeObject {
            MeshFixtures.object(#"""
                {"apiVersion":"v1","kind":"Service","metadata":{"name":"echo-service","namespace":"\#(ns)",
                 "annotations":{"service.cilium.io/global":"true","service.cilium.io/shared":"true"}},
                 "spec":{"clusterIP":"\#(ip)","clusterIPs":["\#(ip)"],"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],
                         "selector":{"app":"echo"},"type":"ClusterIP","sessionAffinity":"None"}}
                """#)
        }
        func slice(_ ns: String, _ name: String, _ ip: String) -> KubeObject {
            MeshFixtures.object(#"""
                {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
                 "metadata":{"labels":{"kubernetes.io/service-name":"echo-service"},"name":"\#(name)","namespace":"\#(ns)"},
                 "addressType":"IPv4","endpoints":[{"addresses":["\#(ip)"],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"worker1"}],
                 "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
                """#)
        }
        func export(_ ns: String) -> KubeObject {
            MeshFixtures.object(#"""
                {"apiVersion":"multicluster.x-k8s.io/v1alpha1","kind":"ServiceExport",
                 "metadata":{"name":"echo-service","namespace":"\#(ns)","creationTimestamp":"2024-01-01T00:00:00Z"}}
                """#)
        }
        mirror.apply([
            .replaceAll(.namespace, [namespace("ns-alpha", global: "true"), namespace("ns-beta")]),
            .replaceAll(.service, [service("ns-alpha", "10.96.0.10"), service("ns-beta", "10.96.0.20")]),
            .replaceAll(.endpointSlice, [slice("ns-alpha", "echo-service-abc12", "10.244.1.10"), slice("ns-beta", "echo-service-def34", "10.244.2.10")]),
            .replaceAll(.serviceExport, [export("ns-alpha"), export("ns-beta")]),
            .replaceAll(.ciliumNode, []), .replaceAll(.ciliumIdentity, []), .replaceAll(.ciliumEndpoint, []),
        ])
        let alpha = #"cilium/state/services/v1/cluster3/ns-alpha/echo-service = {"cluster":"cluster3","namespace":"ns-alpha","name":"echo-service","frontends":{"10.96.0.10":{"http":{"Protocol":"TCP","Port":80}}},"backends":{"10.244.1.10":{"http":{"Protocol":"TCP","Port":8080}}},"labels":{},"selector":{"app":"echo"},"includeExternal":true,"shared":true,"clusterID":3}"#
        let alphaExport = #"cilium/state/serviceexports/v1/cluster3/ns-alpha/echo-service = {"cluster":"cluster3","name":"echo-service","namespace":"ns-alpha","exportCreationTimestamp":"2024-01-01T00:00:00Z","ports":[{"name":"http","protocol":"TCP","port":80}],"type":"ClusterSetIP","sessionAffinity":"None"}"#
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/services/") == [alpha])
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/serviceexports/") == [alphaExport])
        #expect(keys(store, "cilium/state/endpointslices/") == ["cilium/state/endpointslices/v1/cluster3/ns-alpha/echo-service-abc12"])
        #expect(mirror.isReady)
        mirror.apply(.upsert(namespace("ns-beta", global: "true")))
        #expect(keys(store, "cilium/state/services/").count == 2 && keys(store, "cilium/state/serviceexports/").count == 2)
        #expect(keys(store, "cilium/state/endpointslices/").count == 2)
        mirror.apply(.upsert(namespace("ns-beta")))
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/services/") == [alpha])
        #expect(MeshFixtures.listing(store, prefix: "cilium/state/serviceexports/") == [alphaExport])
        #expect(keys(store, "cilium/state/endpointslices/").count == 1)
        mirror.apply(.delete(.service, objectKey: "ns-alpha/echo-service"))
        #expect(keys(store, "cilium/state/services/").isEmpty)
        #expect(keys(store, "cilium/state/endpointslices/").isEmpty)  // its service is gone
        mirror.apply(.delete(.serviceExport, objectKey: "ns-alpha/echo-service"))
        #expect(keys(store, "cilium/state/").isEmpty)
    }

    @Test func endpointSliceFollowsItsService() throws {
        // endpointslices.txtar steps 1 and 4–8.
        let (mirror, store) = makeMirror()
        let key = "cilium/state/endpointslices/v1/cluster3/test/echo-kvlm2"
        guard case .service(var echo) = MeshFixtures.object(MeshFixtures.echoService) else { return }
        mirror.apply([
            .replaceAll(.namespace, [namespace("test")]), .replaceAll(.service, [.service(echo)]),
            .replaceAll(.endpointSlice, [MeshFixtures.object(ClusterEndpointSliceValueTests.upstreamSlice)]),
        ])
        #expect(MeshFixtures.decodedSlice(store, key: key) == ClusterEndpointSliceValueTests.upstreamJSON)
        mirror.apply(.delete(.endpointSlice, objectKey: "test/echo-kvlm2"))
        #expect(keys(store, "cilium/state/endpointslices/").isEmpty)
        mirror.apply(.upsert(MeshFixtures.object(ClusterEndpointSliceValueTests.upstreamSlice)))
        #expect(MeshFixtures.decodedSlice(store, key: key) == ClusterEndpointSliceValueTests.upstreamJSON)
        echo.metadata.annotations = ["service.cilium.io/global": "false"]
        mirror.apply(.upsert(.service(echo)))
        #expect(keys(store, "cilium/state/endpointslices/").isEmpty)
        echo.metadata.annotations = ["service.cilium.io/global": "true"]  // shared is not needed
        mirror.apply(.upsert(.service(echo)))
        #expect(MeshFixtures.decodedSlice(store, key: key) == ClusterEndpointSliceValueTests.upstreamJSON)
        echo.metadata.annotations?["service.cilium.io/shared"] = "false"
        mirror.apply(.upsert(.service(echo)))
        #expect(keys(store, "cilium/state/").isEmpty)
        // An unchanged slice is not rewritten.
        echo.metadata.annotations?["service.cilium.io/shared"] = "true"
        mirror.apply(.upsert(.service(echo)))
        let revision = store.currentRevision
        #expect(mirror.apply(.upsert(MeshFixtures.object(ClusterEndpointSliceValueTests.upstreamSlice))).puts == 0)
        #expect(store.currentRevision == revision)
    }

    @Test(arguments: ServiceV2Mode.allCases)
    func serviceV2Modes(mode: ServiceV2Mode) {
        let (mirror, store) = makeMirror(mode: mode)
        mirror.apply([
            .replaceAll(.namespace, [namespace("test")]), .replaceAll(.ciliumNode, []), .replaceAll(.ciliumIdentity, []),
            .replaceAll(.ciliumEndpoint, []), .replaceAll(.service, [MeshFixtures.object(MeshFixtures.echoService)]),
            .replaceAll(.endpointSlice, [MeshFixtures.object(MeshFixtures.echoSlice)]),
        ])
        #expect(keys(store, "cilium/state/endpointslices/") == ["cilium/state/endpointslices/v1/cluster3/test/echo-eps1"])
        #expect(keys(store, "cilium/state/services/") == (mode == .onlyEndpointSlice ? [] : ["cilium/state/services/v1/cluster3/test/echo"]))
        // Every canary, services/v1 included ("pretend synced" with only-endpointslice).
        #expect(keys(store, "cilium/synced/").count == 6)
        let advertised = mode == .onlyEndpointSlice ? "endpointslices-only" : "services-and-endpointslices"
        #expect(MeshFixtures.listing(store, prefix: "cilium/cluster-config/").first?.hasSuffix(#""endpointSlicesExportMode":"\#(advertised)"}}"#) == true)
    }

    @Test func fqdnSlicesAreRejectedNotPublished() {
        let (mirror, store) = makeMirror()
        var text = MeshFixtures.echoSlice
        text = text.replacingOccurrences(of: #""addressType":"IPv4""#, with: #""addressType":"FQDN""#)
        let result = mirror.apply([
            .replaceAll(.namespace, [namespace("test")]), .replaceAll(.ciliumNode, []), .replaceAll(.ciliumIdentity, []),
            .replaceAll(.ciliumEndpoint, []), .replaceAll(.service, [MeshFixtures.object(MeshFixtures.echoService)]),
            .replaceAll(.endpointSlice, [MeshFixtures.object(text)]),
        ])
        #expect(result.rejections.count == 1)
        #expect(keys(store, "cilium/state/endpointslices/").isEmpty)
        #expect(mirror.isReady)
    }
}
