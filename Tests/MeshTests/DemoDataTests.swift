import Foundation
import Testing
import Mesh

@Suite struct DemoDataTests {
    static let now: Int64 = 1_740_823_200  // 2025-03-01T10:00:00Z

    private func object(_ value: [UInt8]) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(value))
        return try #require(parsed as? [String: Any])
    }

    @Test(arguments: [("cluster1", UInt32(1)), ("cluster2", 2), ("c255", 255), ("mesh-a", 128)])
    func wellFormed(cluster: String, id: UInt32) throws {
        let entries = DemoData.entries(clusterName: cluster, clusterID: id, now: Self.now)
        let keys = entries.map(\.key)
        #expect(Set(keys).count == keys.count, "duplicate keys")
        #expect(keys.first == "cilium/.heartbeat")
        #expect(Array(keys.suffix(6)) == KeyPaths.syncedCanariesV2(cluster: cluster))
        let range = try #require(KeyPaths.identityRange(clusterID: id))
        var counts: [String: Int] = [:]

        for (key, value) in entries {
            let text = String(decoding: value, as: UTF8.self)
            if key == KeyPaths.heartbeat || key.hasPrefix(KeyPaths.syncedPrefix + "/") {
                #expect(text == "2025-03-01T10:00:00Z")
                counts["time", default: 0] += 1
            } else if key == KeyPaths.hasClusterConfig {
                #expect(text == "true")
            } else if key == KeyPaths.clusterConfig(cluster: cluster) {
                let json = try object(value)
                #expect(json["id"] as? Int == Int(id))
                counts["config", default: 0] += 1
            } else if key.hasPrefix(KeyPaths.nodesPrefix + "/\(cluster)/") {
                let json = try object(value)
                let suffix = String(key.dropFirst(KeyPaths.nodesPrefix.count + cluster.count + 2))
                #expect(json["Name"] as? String == suffix)
                #expect(json["Cluster"] as? String == cluster)
                #expect(json["ClusterID"] as? Int == Int(id))
                counts["node", default: 0] += 1
            } else if key.hasPrefix(KeyPaths.identityIDPrefix + "/") {
                let idValue = try #require(UInt32(key.dropFirst(KeyPaths.identityIDPrefix.count + 1)))
                #expect(range.contains(idValue))
                #expect(idValue & 0xFFFF >= 256)
                #expect(text.contains("k8s:io.cilium.k8s.policy.cluster=\(cluster);"))
                #expect(text.contains("k8s:io.kubernetes.pod.namespace=default;"))
                #expect(text.contains("k8s:io.cilium.k8s.policy.serviceaccount=default;"))
                #expect(text.hasSuffix(";"))
                counts["identity", default: 0] += 1
            } else if key.hasPrefix(KeyPaths.ipDefaultPrefix + "/") {
                let json = try object(value)
                let ipText = String(key.dropFirst(KeyPaths.ipDefaultPrefix.count + 1))
                #expect(json["IP"] as? String == ipText)
                #expect(GoIP(ipText)?.description == ipText)
                let identity = try #require(json["ID"] as? Int)
                #expect(range.contains(UInt32(identity)))
                counts[ipText.contains(":") ? "ip6" : "ip4", default: 0] += 1
            } else if key.hasPrefix(KeyPaths.servicesPrefix + "/\(cluster)/") {
                let json = try object(value)
                #expect(key == KeyPaths.service(cluster: cluster, namespace: "default", name: "rebel-base"))
                #expect(json["cluster"] as? String == cluster)
                #expect(json["clusterID"] as? Int == Int(id))
                let backends = try #require(json["backends"] as? [String: Any])
                #expect(backends.count == 2)
                for backend in backends.keys {
                    #expect(keys.contains(KeyPaths.ip(backend)))
                }
                counts["service", default: 0] += 1
            } else if key.hasPrefix(KeyPaths.endpointSlicesPrefix + "/\(cluster)/default/rebel-base-") {
                let slice = try ClusterEndpointSliceValue.decode(value)
                try slice.validate(cluster: cluster, clusterID: id, keySuffix: "default/\(slice.name)")
                #expect(slice.endpoints.flatMap(\.addresses).allSatisfy { keys.contains(KeyPaths.ip($0)) })
                #expect(slice.endpoints.count == 2)
                counts["slice", default: 0] += 1
            } else {
                Issue.record("unexpected key \(key)")
            }
        }
        #expect(counts == ["time": 7, "config": 1, "node": 2, "identity": 2, "ip4": 3, "ip6": 1, "service": 1, "slice": 1])
    }

    @Test func deterministicAndDistinctAcrossClusters() {
        let a = DemoData.entries(clusterName: "cluster1", clusterID: 1, now: Self.now)
        let b = DemoData.entries(clusterName: "cluster1", clusterID: 1, now: Self.now)
        let c = DemoData.entries(clusterName: "cluster2", clusterID: 2, now: Self.now)
        #expect(a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value))
        let ipKeys = { (entries: [(key: String, value: [UInt8])]) in
            Set(entries.map(\.key).filter { $0.hasPrefix(KeyPaths.ipDefaultPrefix) }.map { $0.split(separator: "/").last! })
        }
        #expect(ipKeys(a).isDisjoint(with: ipKeys(c)))
    }

    @Test func sampleShapes() throws {
        let nodes = DemoData.nodes(clusterName: "cluster1", clusterID: 1)
        #expect(nodes.map(\.name) == ["cluster1-control-plane", "cluster1-worker"])
        #expect(nodes[0].ipAddresses?.first?.ip?.description == "172.18.0.2")
        #expect(nodes[1].ipAddresses?.first?.ip?.description == "172.18.0.3")
        #expect(nodes[0].ipv4AllocCIDR?.description == "10.1.0.0/24")
        #expect(nodes[1].ipv6AllocCIDR?.description == "fd00:10:1:1::/64")
        #expect(nodes[0].ipv6AllocCIDR?.description == "fd00:10:1::/64")
        let v6 = DemoData.ipIdentityPairs(clusterName: "cluster1", clusterID: 1).filter { $0.ip?.isIPv4 == false }
        #expect(v6.count == 1)
        #expect(v6.first?.prefixString.hasPrefix("fd00:10:1:1::") == true)
        #expect(String(decoding: DemoData.heartbeatValue(now: Self.now), as: UTF8.self) == "2025-03-01T10:00:00Z")
    }
}
