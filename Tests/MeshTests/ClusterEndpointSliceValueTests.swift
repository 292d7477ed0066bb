import Testing

@testable import Mesh

/// The 1.20+ endpoint slice export, against upstream's own expectations
/// (`clustermesh-apiserver/clustermesh/testdata/endpointslices.txtar`, cilium-1.19-plus.md §B.2).
@Suite struct ClusterEndpointSliceValueTests {
    /// endpointslices.txtar `endpointslice.yaml` as JSON.
    static let upstreamSlice = #"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
         "metadata":{"labels":{"kubernetes.io/service-name":"echo"},"name":"echo-kvlm2","namespace":"test"},
         "addressType":"IPv4",
         "endpoints":[{"addresses":["10.244.1.1"],"conditions":{"ready":true,"serving":true,"terminating":false},
                       "nodeName":"nodeport-worker","zone":"zone1","hints":{"forZones":[{"name":"zone1"}]}},
                      {"addresses":["10.244.1.2"],"conditions":{"ready":false,"serving":false,"terminating":false},
                       "nodeName":"nodeport-worker"}],
         "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
        """#

    /// endpointslices-1.expected, compacted.
    static let upstreamJSON =
        #"{"cluster":"cluster3","clusterID":3,"namespace":"test","name":"echo-kvlm2","labels":{"kubernetes.io/service-name":"echo"},"addressType":"IPv4","endpoints":[{"addresses":["10.244.1.1"],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"nodeport-worker","zone":"zone1","hints":{"forZones":[{"name":"zone1"}]}},{"addresses":["10.244.1.2"],"conditions":{"ready":false,"serving":false,"terminating":false},"nodeName":"nodeport-worker"}],"ports":[{"name":"http","protocol":"TCP","port":8080}]}"#

    private func slice(_ json: String = upstreamSlice) -> KubeEndpointSlice? {
        guard case .endpointSlice(let s) = MeshFixtures.object(json) else { return nil }
        return s
    }

    private var echo: KubeService? {
        guard case .service(let s) = MeshFixtures.object(MeshFixtures.echoService) else { return nil }
        return s
    }

    // Protobuf wire helpers written from the field numbers (not from the generated code).
    private func varint(_ v: UInt64) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }
    private func ld(_ field: UInt64, _ bytes: [UInt8]) -> [UInt8] { varint(field << 3 | 2) + varint(UInt64(bytes.count)) + bytes }
    private func ld(_ field: UInt64, _ text: String) -> [UInt8] { ld(field, Array(text.utf8)) }
    private func vi(_ field: UInt64, _ value: UInt64) -> [UInt8] { varint(field << 3) + varint(value) }

    @Test func upstreamExpectationKeyValueAndJSON() throws {
        let conversion = EndpointSliceConverter.convert(try #require(slice()), service: echo, cluster: MeshFixtures.cluster3)
        #expect(conversion.rejections.isEmpty)
        let entry = try #require(conversion.entries.first)
        #expect(conversion.entries.count == 1)
        // Keyed by the slice's name, not the service's.
        #expect(entry.key == "cilium/state/endpointslices/v1/cluster3/test/echo-kvlm2")
        // A zstd frame (RFC 8878 magic), decoding to the expected message.
        #expect(Array(entry.value.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
        let decoded = try ClusterEndpointSliceValue.decode(entry.value)
        #expect(decoded.json.text == Self.upstreamJSON)
        try decoded.validate(cluster: "cluster3", clusterID: 3, keySuffix: "test/echo-kvlm2")
    }

    @Test func protobufBytesAreGogoOrdered() throws {
        let value = EndpointSliceConverter.clusterEndpointSlice(try #require(slice()), cluster: MeshFixtures.cluster3)
        let conditionsReady = vi(1, 1) + vi(2, 1) + vi(3, 0)
        let conditionsNotReady = vi(1, 0) + vi(2, 0) + vi(3, 0)
        let endpoint1 = ld(1, "10.244.1.1") + ld(2, conditionsReady) + ld(6, "nodeport-worker") + ld(7, "zone1")
            + ld(8, ld(1, ld(1, "zone1")))
        let endpoint2 = ld(1, "10.244.1.2") + ld(2, conditionsNotReady) + ld(6, "nodeport-worker")
        let expected: [UInt8] = ld(1, "cluster3") + vi(2, 3) + ld(3, "test") + ld(4, "echo-kvlm2")
            + ld(5, ld(1, "kubernetes.io/service-name") + ld(2, "echo")) + ld(7, "IPv4")
            + ld(8, endpoint1) + ld(8, endpoint2) + ld(9, ld(1, "http") + ld(2, "TCP") + vi(3, 8080))
        #expect(value.protobufBytes == expected)
        #expect(try ClusterEndpointSliceValue.fromProtobuf(expected) == value)
    }

    @Test func mapsSortedEmptyConditionsAndUnnamedPort() throws {
        // Step 9 of endpointslices.txtar: an unnamed port exports `"name":""` (present, empty).
        var s = try #require(slice())
        s.ports = [.init(name: "", protocol: "TCP", port: 8080)]
        s.metadata.labels = ["z": "1", "a": "2", "kubernetes.io/service-name": "echo"]
        s.metadata.annotations = ["b": "x", "a": "y"]
        s.endpoints = [.init(addresses: ["10.244.1.9"])]  // no conditions at all
        let value = EndpointSliceConverter.clusterEndpointSlice(s, cluster: MeshFixtures.cluster3)
        let bytes = value.protobufBytes
        // Labels (5) and annotations (6) entries in key order; empty conditions still encoded (12 00).
        let labels = ld(5, ld(1, "a") + ld(2, "2")) + ld(5, ld(1, "kubernetes.io/service-name") + ld(2, "echo"))
            + ld(5, ld(1, "z") + ld(2, "1"))
        let annotations = ld(6, ld(1, "a") + ld(2, "y")) + ld(6, ld(1, "b") + ld(2, "x"))
        let expected = ld(1, "cluster3") + vi(2, 3) + ld(3, "test") + ld(4, "echo-kvlm2") + labels + annotations
            + ld(7, "IPv4") + ld(8, ld(1, "10.244.1.9") + [0x12, 0x00]) + ld(9, ld(1, "") + ld(2, "TCP") + vi(3, 8080))
        #expect(bytes == expected)
        let text = try ClusterEndpointSliceValue.decode(try value.encoded()).json.text
        #expect(text.hasSuffix(#""endpoints":[{"addresses":["10.244.1.9"],"conditions":{}}],"ports":[{"name":"","protocol":"TCP","port":8080}]}"#))
        // Equal slices encode to equal bytes (no spurious rewrites).
        #expect(EndpointSliceConverter.clusterEndpointSlice(s, cluster: MeshFixtures.cluster3).protobufBytes == bytes)
    }

    @Test func hostnameAndTopologyRoundTrip() throws {
        var s = try #require(slice())
        s.endpoints?[1].hostname = "echo-1"
        s.endpoints?[1].deprecatedTopology = ["kubernetes.io/hostname": "w1"]
        s.endpoints?[1].hints = .init(forZones: [])
        let value = EndpointSliceConverter.clusterEndpointSlice(s, cluster: MeshFixtures.cluster3)
        let back = try ClusterEndpointSliceValue.decode(try value.encoded())
        #expect(back == value)
        #expect(back.endpoints[1].hostname == "echo-1" && back.endpoints[1].forZones == [])
        #expect(back.json.text.contains(#""hostname":"echo-1","deprecatedTopology":{"kubernetes.io/hostname":"w1"},"nodeName":"nodeport-worker","hints":{}"#))
    }

    @Test func exportRules() throws {
        let s = try #require(slice())
        let cluster = MeshFixtures.cluster3
        // No service, or a service that is not shared: nothing (the mirror deletes the key).
        #expect(EndpointSliceConverter.convert(s, service: nil, cluster: cluster) == MeshConversion())
        var service = try #require(echo)
        service.metadata.annotations = ["service.cilium.io/global": "false"]
        #expect(EndpointSliceConverter.convert(s, service: service, cluster: cluster).entries.isEmpty)
        service.metadata.annotations = ["service.cilium.io/global": "true", "service.cilium.io/shared": "false"]
        #expect(EndpointSliceConverter.convert(s, service: service, cluster: cluster).entries.isEmpty)
        // FQDN slices are rejected with a reason (every reader would refuse them).
        var fqdn = s
        fqdn.addressType = "FQDN"
        let rejected = EndpointSliceConverter.convert(fqdn, service: echo, cluster: cluster)
        #expect(rejected.entries.isEmpty && rejected.rejections.count == 1)
    }

    @Test func readerValidation() throws {
        func encoded(_ change: (inout ClusterEndpointSliceValue) -> Void) throws -> [UInt8] {
            var value = ClusterEndpointSliceValue(
                cluster: "cluster3", clusterID: 3, namespace: "test", name: "s", addressType: "IPv6",
                endpoints: [.init(addresses: ["fd00::1"])])
            change(&value)
            return try Zstd.compress(value.protobufBytes)
        }
        func error(_ bytes: [UInt8]) -> String? {
            do {
                _ = try ClusterEndpointSliceValue.decode(bytes)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(error(try encoded { _ in }) == nil)
        #expect(error(try encoded { $0.addressType = "FQDN" }) == "address type is invalid")
        #expect(error(try encoded { $0.endpoints = [.init(addresses: ["fd00::1%eth0"])] }) == "invalid IPv6 endpoint address: fd00::1%eth0")
        #expect(error(try encoded { $0.endpoints = [.init(addresses: ["10.0.0.1"])] }) == "invalid IPv6 endpoint address: 10.0.0.1")
        #expect(error(try encoded { $0.addressType = "IPv4"; $0.endpoints = [.init(addresses: ["::ffff:10.0.0.1"])] })
            == "invalid IPv4 endpoint address: ::ffff:10.0.0.1")
        #expect(error(try encoded { $0.addressType = "IPv4"; $0.endpoints = [.init(addresses: ["010.0.0.1"])] })
            == "invalid IPv4 endpoint address: 010.0.0.1")
        #expect(error(try encoded { $0.cluster = "" }) == "cluster is unset")
        #expect(error(try encoded { $0.namespace = "" }) == "namespace is unset")
        #expect(error(try encoded { $0.name = "" }) == "name is unset")
        // The remote-reader validators.
        let good = try ClusterEndpointSliceValue.decode(try encoded { _ in })
        #expect(throws: ClusterEndpointSliceError.invalid("unexpected cluster name: got cluster3, expected cluster4")) {
            try good.validate(cluster: "cluster4", clusterID: 3, keySuffix: "test/s")
        }
        #expect(throws: ClusterEndpointSliceError.invalid("namespaced name does not match key: got test/s, expected test/t")) {
            try good.validate(cluster: "cluster3", clusterID: 3, keySuffix: "test/t")
        }
        #expect(throws: ClusterEndpointSliceError.invalid("unexpected cluster ID: got 3, expected 4")) {
            try good.validate(cluster: "cluster3", clusterID: 4, keySuffix: "test/s")
        }
        // Not zstd, truncated, not protobuf, and a decompression bomb past the bound.
        #expect(error(Array("not zstd".utf8))?.hasPrefix("invalid zstd data") == true)
        let frame = try encoded { _ in }
        #expect(error(Array(frame.dropLast(3))) == ZstdError.truncated.description)
        #expect(error(try Zstd.compress([0xFF, 0xFF, 0xFF]))?.hasPrefix("invalid ClusterEndpointSlice protobuf") == true)
        let bomb = try Zstd.compress([UInt8](repeating: 0x0A, count: 64 << 10))
        #expect(throws: ClusterEndpointSliceError.zstd(.tooLarge(limit: 1024))) {
            _ = try ClusterEndpointSliceValue.decode(bomb, maxDecodedBytes: 1024)
        }
    }
}
