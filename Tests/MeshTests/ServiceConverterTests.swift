import Testing

@testable import Mesh

@Suite struct ServiceConverterTests {
    private func service(_ json: String) -> KubeService {
        guard case .service(let s) = MeshFixtures.object(json) else { return KubeService(metadata: .init(name: "x"), spec: nil) }
        return s
    }

    private func slice(_ json: String) -> KubeEndpointSlice {
        guard case .endpointSlice(let s) = MeshFixtures.object(json) else {
            return KubeEndpointSlice(metadata: .init(name: "x"), addressType: nil, endpoints: nil, ports: nil)
        }
        return s
    }

    @Test func referenceService() {
        // reference §1.3 (servicesync.txtar): the not-ready, not-serving backend is dropped.
        let out = ServiceConverter.convert(
            service(MeshFixtures.echoService), endpointSlices: [slice(MeshFixtures.echoSlice)], cluster: MeshFixtures.cluster3)
        #expect(MeshFixtures.lines(out) == ["cilium/state/services/v1/cluster3/test/echo = " + MeshFixtures.echoValue])
    }

    @Test func annotations() {
        func svc(_ annotations: String) -> KubeService {
            service(#"{"kind":"Service","metadata":{"name":"s","namespace":"n","annotations":{\#(annotations)}},"spec":{"clusterIP":"10.0.0.1"}}"#)
        }
        #expect(ServiceConverter.isShared(svc(#""service.cilium.io/global":"true""#)))
        #expect(ServiceConverter.isShared(svc(#""io.cilium/global-service":"TRUE""#)))
        #expect(!ServiceConverter.isShared(svc(#""service.cilium.io/global":"yes""#)))
        #expect(!ServiceConverter.isShared(svc("")))
        #expect(!ServiceConverter.isShared(svc(#""service.cilium.io/shared":"true""#)))
        #expect(!ServiceConverter.isShared(svc(#""service.cilium.io/global":"true","service.cilium.io/shared":"false""#)))
        #expect(!ServiceConverter.isShared(svc(#""service.cilium.io/global":"true","io.cilium/shared-service":"false""#)))
        #expect(ServiceConverter.isShared(svc(#""service.cilium.io/global":"true","io.cilium/shared-service":"True""#)))
        // The primary spelling wins over the alias.
        #expect(
            ServiceConverter.isShared(
                svc(#""service.cilium.io/global":"true","service.cilium.io/shared":"true","io.cilium/shared-service":"false""#)))
        #expect(
            !ServiceConverter.isShared(
                svc(#""service.cilium.io/global":"false","io.cilium/global-service":"true""#)))
        let notShared = svc(#""service.cilium.io/global":"true","service.cilium.io/shared":"false""#)
        #expect(ServiceConverter.convert(notShared, endpointSlices: [], cluster: MeshFixtures.cluster3).entries.isEmpty)
    }

    @Test func headlessDualStackHostnamesAndConditions() {
        let headless = service(#"""
            {"kind":"Service","metadata":{"name":"db","namespace":"data","labels":{"app":"db"},
              "annotations":{"io.cilium/global-service":"true"}},
             "spec":{"clusterIP":"None","ports":[{"port":5432,"protocol":"TCP"}],"selector":{"app":"db"}}}
            """#)
        let v4 = slice(#"""
            {"kind":"EndpointSlice","metadata":{"name":"db-1","namespace":"data","labels":{"kubernetes.io/service-name":"db"}},
             "addressType":"IPv4",
             "endpoints":[{"addresses":["10.0.0.2"],"hostname":"db-0","conditions":{"ready":true}},
                          {"addresses":["10.0.0.3"],"hostname":"db-1","conditions":{"ready":false,"serving":true,"terminating":true}},
                          {"addresses":["10.0.0.4"],"conditions":{}},
                          {"addresses":["10.0.0.5"],"conditions":{"ready":false,"serving":false}},
                          {"addresses":["bogus"]}],
             "ports":[{"port":5432,"protocol":"TCP"},{"name":"metrics","port":9187},{"name":"x","port":1,"protocol":"ICMP"}]}
            """#)
        let v6 = slice(#"""
            {"kind":"EndpointSlice","metadata":{"name":"db-2","namespace":"data","labels":{"kubernetes.io/service-name":"db"}},
             "addressType":"IPv6","endpoints":[{"addresses":["FD00::0002"]},{"addresses":["::ffff:10.0.0.9"]}],
             "ports":[{"port":5432,"protocol":"TCP"}]}
            """#)
        let fqdn = slice(#"""
            {"kind":"EndpointSlice","metadata":{"name":"db-3","namespace":"data","labels":{"kubernetes.io/service-name":"db"}},
             "addressType":"FQDN","endpoints":[{"addresses":["example.com"]}],"ports":[{"port":5432}]}
            """#)
        let out = ServiceConverter.convert(headless, endpointSlices: [v4, v6, fqdn], cluster: MeshFixtures.cluster3)
        let port = #"{"":{"Protocol":"TCP","Port":5432}"#
        #expect(
            MeshFixtures.lines(out) == [
                "cilium/state/services/v1/cluster3/data/db = "
                    + #"{"cluster":"cluster3","namespace":"data","name":"db","frontends":{},"backends":{"10.0.0.2":\#(port),"metrics":{"Protocol":"TCP","Port":9187}},"10.0.0.3":\#(port),"metrics":{"Protocol":"TCP","Port":9187}},"10.0.0.4":\#(port),"metrics":{"Protocol":"TCP","Port":9187}},"::ffff:10.0.0.9":\#(port)},"fd00::2":\#(port)}},"hostnames":{"10.0.0.2":"db-0","10.0.0.3":"db-1"},"labels":{"app":"db"},"selector":{"app":"db"},"includeExternal":true,"shared":true,"clusterID":3}"#
            ])
        // Headless by label, dual-stack frontends otherwise.
        let labelled = service(#"""
            {"kind":"Service","metadata":{"name":"h","namespace":"n","labels":{"service.kubernetes.io/headless":""},
              "annotations":{"service.cilium.io/global":"true"}},"spec":{"clusterIP":"10.0.0.1"}}
            """#)
        #expect(ServiceConverter.clusterService(labelled, endpointSlices: [], cluster: MeshFixtures.cluster3)?.frontends == [:])
        let dual = service(#"""
            {"kind":"Service","metadata":{"name":"d","namespace":"n","annotations":{"service.cilium.io/global":"true"}},
             "spec":{"clusterIP":"10.0.0.1","clusterIPs":["10.0.0.1","fd00::1"],
                     "ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]}}
            """#)
        let value = ServiceConverter.clusterService(dual, endpointSlices: [], cluster: MeshFixtures.cluster3)
        #expect(
            value?.jsonValue()
                == #"{"cluster":"cluster3","namespace":"n","name":"d","frontends":{"10.0.0.1":{"dns":{"Protocol":"UDP","Port":53},"dns-tcp":{"Protocol":"TCP","Port":53}},"fd00::1":{"dns":{"Protocol":"UDP","Port":53},"dns-tcp":{"Protocol":"TCP","Port":53}}},"backends":{},"labels":{},"selector":{},"includeExternal":true,"shared":true,"clusterID":3}"#
        )
    }

    @Test func serviceProxyNameSelector() {
        let plain = KubeService(metadata: .init(name: "a", namespace: "n"), spec: nil)
        let other = KubeService(
            metadata: .init(name: "b", namespace: "n", labels: ["service.kubernetes.io/service-proxy-name": "x"]), spec: nil)
        #expect(ServiceConverter.isSelected(plain, serviceProxyName: nil))
        #expect(!ServiceConverter.isSelected(other, serviceProxyName: nil))
        #expect(ServiceConverter.isSelected(other, serviceProxyName: "x"))
        #expect(!ServiceConverter.isSelected(plain, serviceProxyName: "x"))
    }
}
