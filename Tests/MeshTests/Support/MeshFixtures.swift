import MVCC
import Testing

@testable import Mesh

/// Shared helpers for the converter and mirror tests.
enum MeshFixtures {
    static let cluster3 = MeshClusterInfo(name: "cluster3", id: 3)

    /// Decodes one kinded object, failing the test on error.
    static func object(_ json: String) -> KubeObject {
        do {
            return try KubeObject.decode(json: Array(json.utf8))
        } catch {
            Issue.record("decode failed: \(error)")
            return .ciliumNode(CiliumNode(metadata: KubeObjectMeta(name: "invalid")))
        }
    }

    /// `key = value` lines of every key under `prefix`, sorted by key.
    static func listing(_ store: KVStore, prefix: String = "cilium/") -> [String] {
        var end = Array(prefix.utf8)
        end[end.count - 1] += 1
        let kvs = (try? store.range(key: Array(prefix.utf8), end: end).kvs) ?? []
        return kvs.map { String(decoding: $0.key, as: UTF8.self) + " = " + String(decoding: $0.value, as: UTF8.self) }
    }

    static func lines(_ conversion: MeshConversion) -> [String] {
        conversion.entries.map { "\($0.key) = \($0.valueText)" }
    }

    // MARK: - Reference objects (reference/cilium-clustermesh.md §1)

    static let node1 = #"""
        {"apiVersion":"cilium.io/v2","kind":"CiliumNode",
         "metadata":{"name":"test-node-1","resourceVersion":"17","uid":"u-1",
           "labels":{"kubernetes.io/hostname":"test-node-1"},
           "annotations":{"network.cilium.io/wg-pub-key":"VRksOB6ZNds4oXWIGfSVpvc0gBhcOWFmzvTDcyvULlI="}},
         "spec":{"addresses":[{"ip":"172.18.0.2","type":"InternalIP"},{"ip":"fc00:c111::2","type":"InternalIP"},
                              {"ip":"10.244.0.10","type":"CiliumInternalIP"},{"ip":"fd00:10:244::e2d6","type":"CiliumInternalIP"}],
                 "bootid":"570d3fd1-93db-4862-ba99-6a3c2c10c38f",
                 "health":{"ipv4":"10.244.0.134","ipv6":"fd00:10:244::d812"},
                 "ipam":{"podCIDRs":["10.244.0.0/24","fd00:10:244::/64"],"pool":{}},
                 "eni":{"first-interface-index":0}},
         "status":{"ipam":{"operator-status":{}}}}
        """#

    static let node1Value =
        #"{"Name":"test-node-1","Cluster":"cluster3","IPAddresses":[{"Type":"InternalIP","IP":"172.18.0.2"},{"Type":"InternalIP","IP":"fc00:c111::2"},{"Type":"CiliumInternalIP","IP":"10.244.0.10"},{"Type":"CiliumInternalIP","IP":"fd00:10:244::e2d6"}],"IPv4AllocCIDR":{"IP":"10.244.0.0","Mask":"////AA=="},"IPv4SecondaryAllocCIDRs":null,"IPv6AllocCIDR":{"IP":"fd00:10:244::","Mask":"//////////8AAAAAAAAAAA=="},"IPv6SecondaryAllocCIDRs":null,"IPv4HealthIP":"10.244.0.134","IPv6HealthIP":"fd00:10:244::d812","IPv4IngressIP":"","IPv6IngressIP":"","ClusterID":3,"Source":"custom-resource","EncryptionKey":0,"Labels":{"kubernetes.io/hostname":"test-node-1"},"Annotations":{"network.cilium.io/wg-pub-key":"VRksOB6ZNds4oXWIGfSVpvc0gBhcOWFmzvTDcyvULlI="},"NodeIdentity":0,"WireguardPubKey":"VRksOB6ZNds4oXWIGfSVpvc0gBhcOWFmzvTDcyvULlI=","BootID":"570d3fd1-93db-4862-ba99-6a3c2c10c38f"}"#

    static let identity196915 = #"""
        {"apiVersion":"cilium.io/v2","kind":"CiliumIdentity",
         "metadata":{"name":"196915","labels":{"io.kubernetes.pod.namespace":"bar"}},
         "security-labels":{"k8s:io.kubernetes.pod.namespace":"bar","k8s:app":"baz",
                            "k8s:io.cilium.k8s.policy.cluster":"cluster3"}}
        """#

    static func endpoint(name: String, namespace: String, ipv4: String?, ipv6: String?, node: String, identity: Int, key: Int? = nil) -> String {
        var addressing: [String] = []
        if let ipv4 { addressing.append(#""ipv4":"\#(ipv4)""#) }
        if let ipv6 { addressing.append(#""ipv6":"\#(ipv6)""#) }
        let encryption = key.map { #","encryption":{"key":\#($0)}"# } ?? ""
        return #"""
            {"apiVersion":"cilium.io/v2","kind":"CiliumEndpoint","metadata":{"name":"\#(name)","namespace":"\#(namespace)"},
             "status":{"id":1482,"identity":{"id":\#(identity),"labels":["k8s:app=qux"]},
                       "networking":{"addressing":[{\#(addressing.joined(separator: ","))}],"node":"\#(node)"},
                       "named-ports":[{"name":"http","port":8080,"protocol":"TCP"}],"state":"ready"\#(encryption)}}
            """#
    }

    static let echoService = #"""
        {"apiVersion":"v1","kind":"Service",
         "metadata":{"name":"echo","namespace":"test","annotations":{"service.cilium.io/global":"true"}},
         "spec":{"clusterIP":"10.96.50.104","clusterIPs":["10.96.50.104"],"type":"ClusterIP",
                 "ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],"selector":{"name":"echo"}}}
        """#

    static let echoSlice = #"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
         "metadata":{"name":"echo-eps1","namespace":"test","labels":{"kubernetes.io/service-name":"echo"}},
         "addressType":"IPv4",
         "endpoints":[{"addresses":["10.244.1.1"],"conditions":{"ready":true},"nodeName":"n1"},
                      {"addresses":["10.244.1.2"],"conditions":{"ready":false,"serving":false,"terminating":true}}],
         "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
        """#

    static let echoValue =
        #"{"cluster":"cluster3","namespace":"test","name":"echo","frontends":{"10.96.50.104":{"http":{"Protocol":"TCP","Port":80}}},"backends":{"10.244.1.1":{"http":{"Protocol":"TCP","Port":8080}}},"labels":{},"selector":{"name":"echo"},"includeExternal":true,"shared":true,"clusterID":3}"#

    /// `echoSlice` as exported (upstream transcoder JSON of the decoded value).
    static let echoSliceJSON =
        #"{"cluster":"cluster3","clusterID":3,"namespace":"test","name":"echo-eps1","labels":{"kubernetes.io/service-name":"echo"},"addressType":"IPv4","endpoints":[{"addresses":["10.244.1.1"],"conditions":{"ready":true},"nodeName":"n1"},{"addresses":["10.244.1.2"],"conditions":{"ready":false,"serving":false,"terminating":true}}],"ports":[{"name":"http","protocol":"TCP","port":8080}]}"#

    /// The value stored at `key`, decoded as a `ClusterEndpointSlice` (its transcoder JSON).
    static func decodedSlice(_ store: KVStore, key: String) -> String? {
        guard let kv = (try? store.range(key: Array(key.utf8), end: []))?.kvs.first else { return nil }
        return (try? ClusterEndpointSliceValue.decode(kv.value))?.json.text
    }

    /// `listing` without the endpoint slice values (binary), which `decodedSlice` checks.
    static func textListing(_ store: KVStore, prefix: String = "cilium/") -> [String] {
        listing(store, prefix: prefix).map { line in
            line.hasPrefix(KeyPaths.endpointSlicesPrefix + "/") ? String(line.prefix { $0 != " " }) + " = <slice>" : line
        }
    }
}
