import KVStoreMesh
import Mesh
import Testing

@Suite struct EntryValidatorTests {
    let v = EntryValidator(remote: "east", clusterID: 7, maxConnectedClusters: 255, maxValueBytes: 4096)

    func category(_ kind: ReflectorKind, _ name: String, _ value: String) -> EntryRejection.Category? {
        v.check(kind, name: name, value: Array(value.utf8))?.category
    }

    @Test func acceptsWhatOurApiserverExports() {
        for (key, value) in DemoData.entries(clusterName: "east", clusterID: 7, now: 0) {
            guard let kind = ReflectorKind.allCases.first(where: { key.hasPrefix($0.statePrefix(remote: "east") + "/") }) else { continue }
            let name = String(key.dropFirst(kind.statePrefix(remote: "east").count + 1))
            #expect(v.check(kind, name: name, value: value) == nil, "\(key)")
        }
    }

    @Test func nodes() {
        let good = CiliumNodeValue(name: "n1", cluster: "east", clusterID: 7)
        #expect(v.check(.nodes, name: "n1", value: good.jsonBytes) == nil)
        #expect(v.check(.nodes, name: "other", value: good.jsonBytes)?.category == .invalidValue)
        #expect(v.check(.nodes, name: "n1", value: CiliumNodeValue(name: "n1", cluster: "west", clusterID: 7).jsonBytes)?.category == .foreignCluster)
        #expect(v.check(.nodes, name: "n1", value: CiliumNodeValue(name: "n1", cluster: "east", clusterID: 8).jsonBytes)?.category == .foreignCluster)
        #expect(category(.nodes, "n1", #"{"Name":"n1","Cluster":"east","ClusterID":7,"IPAddresses":[{"Type":"InternalIP","IP":"nope"}]}"#) == .invalidValue)
        #expect(category(.nodes, "n1", #"{"Name":"n1","Cluster":"east","ClusterID":7,"EncryptionKey":300}"#) == .invalidValue)
        #expect(category(.nodes, "n1", #"{"Name":"n1","ClusterID":7}"#) == .invalidValue)  // cluster is unset
        #expect(category(.nodes, "n1", #"{"name":"n1","cluster":"east","clusterid":7}"#) == nil)  // Go folds case
        #expect(category(.nodes, "n1", "[]") == .invalidValue)
        #expect(category(.nodes, "n1", "{") == .invalidValue)
    }

    @Test func services() {
        let good = ClusterServiceValue(
            cluster: "east", namespace: "ns", name: "web",
            frontends: ["10.96.0.1": ["http": .init(protocol: "TCP", port: 80)]],
            backends: ["10.0.0.5": ["http": .init(protocol: "TCP", port: 8080)]], clusterID: 7)
        #expect(v.check(.services, name: "ns/web", value: good.jsonBytes) == nil)
        #expect(v.check(.services, name: "ns/other", value: good.jsonBytes)?.category == .invalidValue)
        #expect(category(.services, "ns/web", #"{"cluster":"east","namespace":"ns","name":"web","clusterID":7,"backends":{"not-an-ip":{}}}"#) == .invalidValue)
        #expect(category(.services, "ns/web", #"{"cluster":"east","namespace":"ns","name":"web","clusterID":7,"frontends":{"10.0.0.1":{"p":{"Port":70000}}}}"#) == .invalidValue)
        #expect(category(.services, "ns/web", #"{"cluster":"west","namespace":"ns","name":"web","clusterID":7}"#) == .foreignCluster)
        #expect(category(.services, "ns/web", #"{"cluster":"east","namespace":"ns","name":"web","clusterID":3}"#) == .foreignCluster)
        #expect(category(.services, "ns/web", #"{"cluster":"east","name":"web","clusterID":7}"#) == .invalidValue)
    }

    @Test func serviceExports() {
        func spec(type: String = "ClusterSetIP", affinity: String = "None", created: Int64? = 1_700_000_000, cluster: String = "east") -> [UInt8] {
            MCSAPIServiceSpecValue(
                cluster: cluster, name: "web", namespace: "ns", exportCreationTimestamp: created, ports: [.init(port: 80)],
                type: type, sessionAffinity: affinity
            ).jsonBytes
        }
        #expect(v.check(.serviceExports, name: "ns/web", value: spec()) == nil)
        #expect(v.check(.serviceExports, name: "ns/web", value: spec(type: "Headless", affinity: "ClientIP")) == nil)
        #expect(v.check(.serviceExports, name: "ns/web", value: spec(type: "LoadBalancer"))?.category == .invalidValue)
        #expect(v.check(.serviceExports, name: "ns/web", value: spec(affinity: "Sticky"))?.category == .invalidValue)
        #expect(v.check(.serviceExports, name: "ns/web", value: spec(created: nil))?.category == .invalidValue)
        #expect(v.check(.serviceExports, name: "ns/web", value: spec(cluster: "west"))?.category == .foreignCluster)
        #expect(v.check(.serviceExports, name: "ns/x", value: spec())?.category == .invalidValue)
    }

    @Test func identities() {
        // Cluster 7 with 255 clusters: 458752 ... 524287.
        let labels = "k8s:app=web;k8s:io.cilium.k8s.policy.cluster=east;"
        #expect(category(.identities, "458752", labels) == nil)
        #expect(category(.identities, "524287", labels) == nil)
        #expect(category(.identities, "524288", labels) == .identityOutOfRange)
        #expect(category(.identities, "65536", labels) == .identityOutOfRange)
        #expect(category(.identities, "abc", labels) == .invalidValue)
        #expect(category(.identities, "458752/x", labels) == .invalidValue)
        #expect(category(.identities, "458752", "k8s:app=web;") == .invalidValue)
        #expect(category(.identities, "458752", "k8s:io.cilium.k8s.policy.cluster=west;") == .foreignCluster)
        #expect(category(.identities, "458752", "unspec:io.cilium.k8s.policy.cluster=east;") == .invalidValue)
        let wide = EntryValidator(remote: "east", clusterID: 7, maxConnectedClusters: 511, maxValueBytes: 4096)
        #expect(wide.check(.identities, name: "229376", value: Array(labels.utf8)) == nil)  // 7 << 15
    }

    @Test func endpoints() {
        func pair(_ ip: String, id: UInt32, mask: [UInt8]? = nil) -> [UInt8] {
            IPIdentityPairValue(ip: GoIP(ip), mask: mask, hostIP: GoIP("10.0.0.1"), id: id).jsonBytes
        }
        #expect(v.check(.endpoints, name: "10.1.2.3", value: pair("10.1.2.3", id: 458800)) == nil)
        #expect(v.check(.endpoints, name: "10.1.2.3", value: pair("10.1.2.3", id: 2)) == nil)  // reserved: world
        #expect(v.check(.endpoints, name: "10.1.2.3", value: pair("10.1.2.3", id: 65536))?.category == .identityOutOfRange)
        #expect(v.check(.endpoints, name: "10.1.2.4", value: pair("10.1.2.3", id: 458800))?.category == .invalidValue)
        #expect(v.check(.endpoints, name: "fd00::1", value: pair("fd00:0:0::1", id: 458800)) == nil)
        #expect(v.check(.endpoints, name: "10.1.0.0/16", value: pair("10.1.0.0", id: 458800, mask: [255, 255, 0, 0])) == nil)
        #expect(category(.endpoints, "10.1.2.3", #"{"IP":"10.1.2.3","ID":"458800"}"#) == .invalidValue)
        #expect(category(.endpoints, "<nil>", #"{"ID":458800}"#) == nil)  // Cilium ignores nil IPs; key must match
    }

    @Test func endpointSlices() throws {
        func slice(cluster: String = "east", id: UInt32 = 7, name: String = "web-abc", addresses: [String] = ["10.0.0.1"]) throws -> [UInt8] {
            try ClusterEndpointSliceValue(
                cluster: cluster, clusterID: id, namespace: "ns", name: name, labels: ["kubernetes.io/service-name": "web"],
                addressType: "IPv4", endpoints: [.init(addresses: addresses, conditions: .init(ready: true))], ports: []
            ).encoded()
        }
        #expect(v.check(.endpointSlices, name: "ns/web-abc", value: try slice()) == nil)
        #expect(v.check(.endpointSlices, name: "ns/other", value: try slice())?.category == .invalidValue)
        #expect(v.check(.endpointSlices, name: "ns/web-abc", value: try slice(cluster: "west"))?.category == .foreignCluster)
        #expect(v.check(.endpointSlices, name: "ns/web-abc", value: try slice(id: 8))?.category == .foreignCluster)
        #expect(v.check(.endpointSlices, name: "ns/web-abc", value: try slice(addresses: ["fd00::1"]))?.category == .invalidValue)
        #expect(category(.endpointSlices, "ns/web-abc", "not zstd") == .invalidValue)
    }

    @Test func sizeLimit() {
        let small = EntryValidator(remote: "east", clusterID: 7, maxConnectedClusters: 255, maxValueBytes: 10)
        #expect(small.check(.nodes, name: "n", value: Array(repeating: 0x20, count: 11))?.category == .limit)
    }
}
