import Testing
import Mesh

@Suite struct ClusterServiceValueTests {
    @Test func referenceExample() {
        // reference/cilium-clustermesh.md §1.3 (servicesync.txtar).
        let golden =
            #"{"cluster":"cluster3","namespace":"test","name":"echo","frontends":{"10.96.50.104":{"http":{"Protocol":"TCP","Port":80}}},"backends":{"10.244.1.1":{"http":{"Protocol":"TCP","Port":8080}}},"labels":{},"selector":{"name":"echo"},"includeExternal":true,"shared":true,"clusterID":3}"#
        let service = ClusterServiceValue(
            cluster: "cluster3", namespace: "test", name: "echo",
            frontends: ["10.96.50.104": ["http": .init(protocol: "TCP", port: 80)]],
            backends: ["10.244.1.1": ["http": .init(protocol: "TCP", port: 8080)]],
            selector: ["name": "echo"], clusterID: 3)
        #expect(service.jsonValue() == golden)
        #expect(service.key == "cilium/state/services/v1/cluster3/test/echo")
    }

    @Test func sortedMapsAndNull() {
        let service = ClusterServiceValue(
            cluster: "c", namespace: "n", name: "s", frontends: nil,
            backends: [
                "10.0.0.2": ["b": .init(protocol: "UDP", port: 53), "a": .init(protocol: "TCP", port: 53)],
                "10.0.0.10": ["": .init(protocol: "TCP", port: 1)],
            ],
            hostnames: nil, labels: nil, selector: nil, clusterID: 7)
        #expect(
            service.jsonValue()
                == #"{"cluster":"c","namespace":"n","name":"s","frontends":null,"backends":{"10.0.0.10":{"":{"Protocol":"TCP","Port":1}},"10.0.0.2":{"a":{"Protocol":"TCP","Port":53},"b":{"Protocol":"UDP","Port":53}}},"labels":null,"selector":null,"includeExternal":true,"shared":true,"clusterID":7}"#
        )
    }
}

@Suite struct ClusterServiceValue119Tests {
    @Test func globalNamespaceServicesExpectation() {
        // globalnamespace-services.txtar services-1.expected, compacted: no hostnames, no zones.
        let value = ClusterServiceValue(
            cluster: "cluster3", namespace: "ns-alpha", name: "echo-service",
            frontends: ["10.96.0.10": ["http": .init(protocol: "TCP", port: 80)]],
            backends: ["10.244.1.10": ["http": .init(protocol: "TCP", port: 8080)]], selector: ["app": "echo"], clusterID: 3)
        #expect(
            value.jsonValue()
                == #"{"cluster":"cluster3","namespace":"ns-alpha","name":"echo-service","frontends":{"10.96.0.10":{"http":{"Protocol":"TCP","Port":80}}},"backends":{"10.244.1.10":{"http":{"Protocol":"TCP","Port":8080}}},"labels":{},"selector":{"app":"echo"},"includeExternal":true,"shared":true,"clusterID":3}"#
        )
    }

    @Test func zonesFromTheSlices() {
        // endpointslices.txtar's slice as a legacy service: the zoned, ready backend gets a zone
        // entry with its hints; the not-ready one is no backend; hostnames stay omitted.
        guard case .service(let service) = MeshFixtures.object(MeshFixtures.echoService),
            case .endpointSlice(let slice) = MeshFixtures.object(ClusterEndpointSliceValueTests.upstreamSlice)
        else { return }
        let value = ServiceConverter.clusterService(service, endpointSlices: [slice], cluster: MeshFixtures.cluster3)
        #expect(
            value?.jsonValue()
                == #"{"cluster":"cluster3","namespace":"test","name":"echo","frontends":{"10.96.50.104":{"http":{"Protocol":"TCP","Port":80}}},"backends":{"10.244.1.1":{"http":{"Protocol":"TCP","Port":8080}}},"zones":{"10.244.1.1":{"zone":"zone1","forZones":[{"name":"zone1"}]}},"labels":{},"selector":{"name":"echo"},"includeExternal":true,"shared":true,"clusterID":3}"#
        )
        // A zone without hints: `forZones` is `[]`; hostnames come before zones.
        var hinted = slice
        hinted.endpoints?[0].hints = nil
        hinted.endpoints?[0].hostname = "echo-0"
        let text = ServiceConverter.clusterService(service, endpointSlices: [hinted], cluster: MeshFixtures.cluster3)?.jsonValue()
        #expect(text?.contains(#""hostnames":{"10.244.1.1":"echo-0"},"zones":{"10.244.1.1":{"zone":"zone1","forZones":[]}},"labels""#) == true)
    }
}
