import Testing

@testable import Mesh

@Suite struct CiliumEndpointSliceConverterTests {
    @Test func slice() {
        let json = #"""
            {"apiVersion":"cilium.io/v2alpha1","kind":"CiliumEndpointSlice","metadata":{"name":"ces-abc"},
             "namespace":"bar",
             "endpoints":[
               {"name":"cep-002","id":199475,"encryption":{"key":5},
                "networking":{"addressing":[{"ipv4":"10.244.2.74","ipv6":"fd00:10:244:2::e024"}],"node":"172.18.0.2"}},
               {"name":"cep-003","id":199476,"networking":{"addressing":[{"ipv4":"10.244.2.75"}],"node":"172.18.0.2"}},
               {"name":"cep-004","id":199477}]}
            """#
        guard case .ciliumEndpointSlice(let slice) = MeshFixtures.object(json) else { return }
        #expect(slice.metadata.objectKey == "ces-abc")
        #expect(
            MeshFixtures.lines(CiliumEndpointSliceConverter.convert(slice)) == [
                #"cilium/state/ip/v1/default/10.244.2.74 = {"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#,
                #"cilium/state/ip/v1/default/fd00:10:244:2::e024 = {"IP":"fd00:10:244:2::e024","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}"#,
                #"cilium/state/ip/v1/default/10.244.2.75 = {"IP":"10.244.2.75","Mask":null,"HostIP":"172.18.0.2","ID":199476,"Key":0,"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-003"}"#,
            ])
    }
}
