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
