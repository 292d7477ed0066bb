import Testing

@testable import Mesh

@Suite struct CiliumEndpointConverterTests {
    @Test func referenceEndpoint() {
        // reference §1.5 (ciliumendpoints.txtar, 1.18 fields).
        let json = MeshFixtures.endpoint(
            name: "cep-002", namespace: "bar", ipv4: "10.244.2.74", ipv6: "fd00:10:244:2::e024", node: "172.18.0.2",
            identity: 199475, key: 5)
        guard case .ciliumEndpoint(let endpoint) = MeshFixtures.object(json) else { return }
        #expect(
            MeshFixtures.lines(CiliumEndpointConverter.convert(endpoint)) == [
                #"cilium/state/ip/v1/default/10.244.2.74 = {"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#,
                #"cilium/state/ip/v1/default/fd00:10:244:2::e024 = {"IP":"fd00:10:244:2::e024","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#,
            ])
    }

    @Test func goIPFormsAndRejections() {
        let endpoint = CiliumEndpoint(
            metadata: KubeObjectMeta(name: "p", namespace: "ns"),
            status: .init(
                identity: .init(id: 4_294_967_297),  // uint32 truncation, as Go's NumericIdentity(int64)
                networking: EndpointNetworking(
                    addressing: [
                        .init(ipv4: "", ipv6: "FD00:0010:0244:0001:0000:0000:0000:D643"),
                        .init(ipv4: "::ffff:10.1.2.3", ipv6: "2001:db8:0:0:1:0:0:1"),
                        .init(ipv4: "10.01.2.3", ipv6: nil),
                    ], node: nil)))
        let out = CiliumEndpointConverter.convert(endpoint)
        #expect(
            out.entries.map(\.key) == [
                "cilium/state/ip/v1/default/fd00:10:244:1::d643",
                "cilium/state/ip/v1/default/10.1.2.3",
                "cilium/state/ip/v1/default/2001:db8::1:0:0:1",
            ])
        #expect(out.entries[0].valueText == #"{"IP":"fd00:10:244:1::d643","Mask":null,"HostIP":"","ID":1,"Key":0,"Metadata":"","K8sNamespace":"ns","K8sPodName":"p"}"#)
        #expect(out.rejections == [MeshRejection(kind: .ciliumEndpoint, object: "ns/p", reason: #"invalid IP address "10.01.2.3""#)])
    }

    @Test func noNetworking() {
        let endpoint = CiliumEndpoint(metadata: KubeObjectMeta(name: "p", namespace: "ns"), status: nil)
        #expect(CiliumEndpointConverter.convert(endpoint) == MeshConversion())
    }
}
