import Testing
import Mesh

@Suite struct IPIdentityPairValueTests {
    @Test func referenceExample() {
        // reference/cilium-clustermesh.md §1.5 (ciliumendpoints.txtar).
        let pair = IPIdentityPairValue(
            ip: GoIP("10.244.2.74"), hostIP: GoIP("172.18.0.2"), id: 199_475, key: 5,
            k8sNamespace: "bar", k8sPodName: "cep-002")
        #expect(
            pair.jsonValue()
                == #"{"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#
        )
        #expect(pair.keyPath == "cilium/state/ip/v1/default/10.244.2.74")
    }

    @Test func omitEmptyMaskAndNamedPorts() {
        let pair = IPIdentityPairValue(
            ip: GoIP("fd00::"), mask: GoIP.mask(prefixLength: 64, bits: 128), hostIP: nil, id: 2,
            namedPorts: [.init(name: "http", port: 80, protocol: "TCP")])
        #expect(
            pair.jsonValue()
                == #"{"IP":"fd00::","Mask":"//////////8AAAAAAAAAAA==","HostIP":"","ID":2,"Key":0,"Metadata":"","NamedPorts":[{"Name":"http","Port":80,"Protocol":"TCP"}]}"#
        )
        #expect(pair.prefixString == "fd00::/64")
    }
}

@Suite struct IPIdentityPairValue119Tests {
    @Test func serviceAccountAfterPodName() {
        // globalnamespace.txtar expectation (cilium-1.19-plus.md §D), compacted.
        let pair = IPIdentityPairValue(
            ip: GoIP("10.244.1.79"), hostIP: GoIP("172.18.0.3"), id: 199_472, k8sNamespace: "don",
            k8sPodName: "cep-001", k8sServiceAccount: "default")
        #expect(
            pair.jsonValue()
                == #"{"IP":"10.244.1.79","Mask":null,"HostIP":"172.18.0.3","ID":199472,"Key":0,"Metadata":"","K8sNamespace":"don","K8sPodName":"cep-001","K8sServiceAccount":"default"}"#
        )
        // omitempty: an endpoint without a service account keeps the 1.18 bytes.
        var bare = pair
        bare.k8sServiceAccount = ""
        #expect(!bare.jsonValue().contains("K8sServiceAccount"))
        bare.namedPorts = [.init(name: "dns", port: 53, protocol: "UDP")]
        bare.k8sServiceAccount = "sa"
        #expect(bare.jsonValue().hasSuffix(#""K8sPodName":"cep-001","K8sServiceAccount":"sa","NamedPorts":[{"Name":"dns","Port":53,"Protocol":"UDP"}]}"#))
    }

    @Test func convertersReadTheServiceAccount() {
        // globalnamespace.txtar endpoint-1 (CEP status.service-account).
        let cep = MeshFixtures.object(#"""
            {"apiVersion":"cilium.io/v2","kind":"CiliumEndpoint","metadata":{"name":"cep-001","namespace":"don"},
             "status":{"id":1481,"identity":{"id":199472,"labels":["k8s:app=don"]},
                       "networking":{"addressing":[{"ipv4":"10.244.1.79","ipv6":"fd00:10:244:1::d643"}],"node":"172.18.0.3"},
                       "service-account":"default","state":"ready"}}
            """#)
        guard case .ciliumEndpoint(let endpoint) = cep else { return }
        #expect(
            MeshFixtures.lines(CiliumEndpointConverter.convert(endpoint)) == [
                #"cilium/state/ip/v1/default/10.244.1.79 = {"IP":"10.244.1.79","Mask":null,"HostIP":"172.18.0.3","ID":199472,"Key":0,"Metadata":"","K8sNamespace":"don","K8sPodName":"cep-001","K8sServiceAccount":"default"}"#,
                #"cilium/state/ip/v1/default/fd00:10:244:1::d643 = {"IP":"fd00:10:244:1::d643","Mask":null,"HostIP":"172.18.0.3","ID":199472,"Key":0,"Metadata":"","K8sNamespace":"don","K8sPodName":"cep-001","K8sServiceAccount":"default"}"#,
            ])
        // ciliumendpointslices.txtar endpointslice-1, second endpoint (CES endpoints[].service-account).
        let ces = MeshFixtures.object(#"""
            {"apiVersion":"cilium.io/v2alpha1","kind":"CiliumEndpointSlice","metadata":{"name":"ces-c7hlcxqpt-rwqlm"},
             "namespace":"qux",
             "endpoints":[{"encryption":{"key":5},"id":199475,"name":"foo-002","service-account":"default",
                           "networking":{"addressing":[{"ipv4":"10.244.2.74","ipv6":"fd00:10:244:2::e024"}],"node":"172.18.0.2"}}]}
            """#)
        guard case .ciliumEndpointSlice(let slice) = ces else { return }
        #expect(
            MeshFixtures.lines(CiliumEndpointSliceConverter.convert(slice)) == [
                #"cilium/state/ip/v1/default/10.244.2.74 = {"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"qux","K8sPodName":"foo-002","K8sServiceAccount":"default"}"#,
                #"cilium/state/ip/v1/default/fd00:10:244:2::e024 = {"IP":"fd00:10:244:2::e024","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"qux","K8sPodName":"foo-002","K8sServiceAccount":"default"}"#,
            ])
    }
}
