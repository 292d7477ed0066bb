import Testing
import Mesh

@Suite struct ClusterServiceValueTests {
    @Test func referenceExample() {
        // reference/cilium-clustermesh.md §1.3 (servicesync.txtar).
        let golden =
            #"{"cluster":"cluster3","namespace":"test","name":"echo","frontends":{"10.96.50.104":{"http":{"Protocol":"TCP","Port":80}}},"backends":{"10.244.1.1":{"http":{"Protocol":"TCP","Port":8080}}},"hostnames":{},"labels":{},"selector":{"name":"echo"},"includeExternal":true,"shared":true,"clusterID":3}"#
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
                == #"{"cluster":"c","namespace":"n","name":"s","frontends":null,"backends":{"10.0.0.10":{"":{"Protocol":"TCP","Port":1}},"10.0.0.2":{"a":{"Protocol":"TCP","Port":53},"b":{"Protocol":"UDP","Port":53}}},"hostnames":null,"labels":null,"selector":null,"includeExternal":true,"shared":true,"clusterID":7}"#
        )
    }
}
