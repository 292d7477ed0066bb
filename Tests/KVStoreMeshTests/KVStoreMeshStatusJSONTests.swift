import KVStoreMesh
import Testing

/// go-swagger `RemoteCluster` rendering (reference/cilium-1.19-plus.md §A.3).
@Suite struct KVStoreMeshStatusJSONTests {
    static func status(_ name: String) -> RemoteClusterStatus {
        RemoteClusterStatus(
            name: name, connected: false, ready: false, published: false, config: nil, etcdClusterID: nil, endpoints: 1,
            configPath: "/x/\(name)", configSHA256: "00", keys: [:], enabled: [], synced: [], canaries: [], rejected: [:],
            failures: 0, lastFailure: nil, lastFailureTime: nil, revoked: false)
    }

    @Test func omitEmptyEverywhereButLastFailure() {
        #expect(String(decoding: KVStoreMeshStatusJSON.encode([Self.status("b"), Self.status("a")]), as: UTF8.self)
            == #"[{"last-failure":"0001-01-01T00:00:00.000Z","name":"a","status":"Waiting for initial connection to be established","synced":{}},"#
            + #"{"last-failure":"0001-01-01T00:00:00.000Z","name":"b","status":"Waiting for initial connection to be established","synced":{}}]"#)
    }

    @Test func cachedRemoteWithoutServiceExports() {
        var s = Self.status("east")
        s.connected = true
        s.endpoints = 3
        s.etcdClusterID = "abc"
        s.config = .init(required: true, retrieved: true, clusterID: 9, kvstoremesh: true, syncCanaries: true, serviceExportsEnabled: nil)
        s.keys = [.nodes: 2, .serviceExports: 0, .services: 4]
        s.synced = [.nodes, .services]
        s.failures = 3
        s.lastFailureTime = 1_767_225_600.999
        #expect(String(decoding: KVStoreMeshStatusJSON.encode([s]), as: UTF8.self)
            == #"[{"config":{"cluster-id":9,"kvstoremesh":true,"required":true,"retrieved":true,"sync-canaries":true},"connected":true,"#
            + #""last-failure":"2026-01-01T00:00:00.999Z","name":"east","num-failures":3,"num-nodes":2,"num-shared-services":4,"#
            + #""status":"etcd: 3/3 connected, leases=0, lock leases=0, has-quorum=true: endpoint status checks are disabled, ID: abc","#
            + #""synced":{"nodes":true,"services":true}}]"#)
    }

    @Test func serviceExportsSyncedIsPrintedWhenAdvertisedEvenIfFalse() {
        var s = Self.status("east")
        s.config = .init(required: true, retrieved: false, clusterID: 0, kvstoremesh: false, syncCanaries: false, serviceExportsEnabled: false)
        #expect(String(decoding: KVStoreMeshStatusJSON.encode([s]), as: UTF8.self)
            == #"[{"config":{"required":true,"service-exports-enabled":false},"last-failure":"0001-01-01T00:00:00.000Z","name":"east","#
            + #""status":"Waiting for initial connection to be established","synced":{"service-exports":false}}]"#)
    }
}
