import Testing

@testable import Mesh

@Suite struct ServiceExportConverterTests {
    let cluster1 = MeshClusterInfo(name: "cluster1", id: 1)

    private func objects(_ service: String, _ export: String) -> (KubeService, KubeServiceExport)? {
        guard case .service(let s) = MeshFixtures.object(service), case .serviceExport(let e) = MeshFixtures.object(export)
        else { return nil }
        return (s, e)
    }

    @Test func basicAndHeadless() {
        // The inputs of the apiserver's serviceexports script test, in the newest value layout
        // (lowercase `annotations`/`labels`, omitted when empty).
        guard
            let (basic, basicExport) = objects(
                #"""
                {"kind":"Service","metadata":{"name":"basic","namespace":"default"},
                 "spec":{"ports":[{"name":"my-port-1","port":80,"protocol":"TCP"}],"selector":{"name":"basic"},
                         "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":42}},"type":"ClusterIP"}}
                """#,
                #"""
                {"apiVersion":"multicluster.x-k8s.io/v1alpha1","kind":"ServiceExport",
                 "metadata":{"name":"basic","namespace":"default","creationTimestamp":"2026-01-01T00:00:00Z"},
                 "spec":{"exportedAnnotations":{"my-annotation":"foo"},"exportedLabels":{"my-label":"test"}}}
                """#)
        else { return }
        #expect(
            MeshFixtures.lines(ServiceExportConverter.convert(basicExport, service: basic, cluster: cluster1)) == [
                #"cilium/state/serviceexports/v1/cluster1/default/basic = {"cluster":"cluster1","name":"basic","namespace":"default","annotations":{"my-annotation":"foo"},"labels":{"my-label":"test"},"exportCreationTimestamp":"2026-01-01T00:00:00Z","ports":[{"name":"my-port-1","protocol":"TCP","port":80}],"type":"ClusterSetIP","sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":42}}}"#
            ])
        guard
            let (headless, headlessExport) = objects(
                #"{"kind":"Service","metadata":{"name":"headless","namespace":"default"},"spec":{"clusterIP":"None","ports":[{"name":"http","port":80,"protocol":"TCP","appProtocol":"http"}]}}"#,
                #"{"kind":"ServiceExport","metadata":{"name":"headless","namespace":"default","creationTimestamp":"2026-01-01T01:00:00+01:00"}}"#)
        else { return }
        #expect(
            ServiceExportConverter.convert(headlessExport, service: headless, cluster: cluster1).entries.first?.valueText
                == #"{"cluster":"cluster1","name":"headless","namespace":"default","exportCreationTimestamp":"2026-01-01T00:00:00Z","ports":[{"name":"http","protocol":"TCP","appProtocol":"http","port":80}],"type":"Headless","sessionAffinity":""}"#
        )
    }

    @Test func nothingWithoutServiceOrForExternalName() {
        let export = KubeServiceExport(metadata: .init(name: "x", namespace: "n"))
        #expect(ServiceExportConverter.convert(export, service: nil, cluster: cluster1).entries.isEmpty)
        let external = KubeService(metadata: .init(name: "x", namespace: "n"), spec: .init(type: "ExternalName", externalName: "a.b"))
        #expect(ServiceExportConverter.convert(export, service: external, cluster: cluster1).entries.isEmpty)
        // Missing creation timestamp → null, no ports → [].
        let bare = KubeService(metadata: .init(name: "x", namespace: "n"), spec: nil)
        #expect(
            ServiceExportConverter.convert(export, service: bare, cluster: cluster1).entries.first?.valueText
                == #"{"cluster":"cluster1","name":"x","namespace":"n","exportCreationTimestamp":null,"ports":[],"type":"ClusterSetIP","sessionAffinity":""}"#
        )
    }
}

@Suite struct ServiceExport119Tests {
    @Test func globalNamespaceExpectation() {
        // globalnamespace-serviceexports.txtar exports-1.expected (plain bytes).
        guard
            case .service(let service) = MeshFixtures.object(#"""
                {"kind":"Service","metadata":{"name":"echo-service","namespace":"ns-alpha"},
                 "spec":{"clusterIP":"10.96.0.10","ports":[{"name":"http","port":80,"protocol":"TCP"}],
                         "selector":{"app":"echo"},"type":"ClusterIP","sessionAffinity":"None"}}
                """#),
            case .serviceExport(let export) = MeshFixtures.object(#"""
                {"apiVersion":"multicluster.x-k8s.io/v1alpha1","kind":"ServiceExport",
                 "metadata":{"name":"echo-service","namespace":"ns-alpha","creationTimestamp":"2024-01-01T00:00:00Z"}}
                """#)
        else { return }
        #expect(
            MeshFixtures.lines(ServiceExportConverter.convert(export, service: service, cluster: MeshFixtures.cluster3)) == [
                #"cilium/state/serviceexports/v1/cluster3/ns-alpha/echo-service = {"cluster":"cluster3","name":"echo-service","namespace":"ns-alpha","exportCreationTimestamp":"2024-01-01T00:00:00Z","ports":[{"name":"http","protocol":"TCP","port":80}],"type":"ClusterSetIP","sessionAffinity":"None"}"#
            ])
    }

    @Test func newestFields() {
        // The v1beta1-era MCSAPIServiceSpec: ipFamilies, internalTrafficPolicy, trafficDistribution.
        guard
            case .service(let service) = MeshFixtures.object(#"""
                {"kind":"Service","metadata":{"name":"db","namespace":"prod"},
                 "spec":{"clusterIP":"10.96.0.30","ipFamilies":["IPv4","IPv6"],"internalTrafficPolicy":"Local",
                         "trafficDistribution":"PreferClose","ports":[{"port":5432,"protocol":"TCP"}],"sessionAffinity":"None"}}
                """#),
            case .serviceExport(let export) = MeshFixtures.object(#"""
                {"apiVersion":"multicluster.x-k8s.io/v1beta1","kind":"ServiceExport",
                 "metadata":{"name":"db","namespace":"prod","creationTimestamp":"2026-01-01T00:00:00Z"}}
                """#)
        else { return }
        #expect(
            ServiceExportConverter.convert(export, service: service, cluster: MeshFixtures.cluster3).entries.first?.valueText
                == #"{"cluster":"cluster3","name":"db","namespace":"prod","exportCreationTimestamp":"2026-01-01T00:00:00Z","ports":[{"protocol":"TCP","port":5432}],"type":"ClusterSetIP","sessionAffinity":"None","ipFamilies":["IPv4","IPv6"],"internalTrafficPolicy":"Local","trafficDistribution":"PreferClose"}"#
        )
    }
}
