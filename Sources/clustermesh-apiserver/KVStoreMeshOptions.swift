import ArgumentParser
import KVStoreMesh

/// The KVStoreMesh role's flags (upstream names, reference/cilium-1.19-plus.md §A.5).
struct KVStoreMeshOptions: ParsableArguments {
    @Option(name: .customLong("clustermesh-config"), help: ArgumentHelp("Directory of remote cluster configurations (one etcd client YAML per remote, named after it): enables the KVStoreMesh role, caching every remote under cilium/cache/.", valueName: "dir"))
    var clustermeshConfig: String?

    @Option(name: .customLong("clustermesh-drain-delay"), help: "Wait between deleting a removed remote's cluster config and its cached data.")
    var drainDelay = GoDuration(argument: "3m")!

    @Option(name: .customLong("clustermesh-cache-ttl"), help: "Revoke a remote's cached services and service exports once it is unreachable this long (0s: never).")
    var cacheTTL = GoDuration(argument: "0s")!

    @Option(name: .customLong("per-cluster-ready-timeout"), help: "Remotes that do not connect within this are not waited for by /readyz.")
    var perClusterReadyTimeout = GoDuration(argument: "15s")!

    @Option(name: .customLong("global-ready-timeout"), help: "/readyz stops waiting for remotes after this.")
    var globalReadyTimeout = GoDuration(argument: "10m")!

    @Option(name: .customLong("api-serve-addr"), help: "Address of the KVStoreMesh status API (GET /v1/cluster) when --clustermesh-config is set (empty: off).")
    var apiServeAddr = "127.0.0.1:9889"

    /// How remote connections are made: our etcd client, one per remote (Sources/EtcdClient).
    static func remoteClientFactory() -> any RemoteClientFactory {
        EtcdRemoteClientFactory()
    }

    func configuration(clusterName: String, clusterID: UInt32, maxConnectedClusters: UInt32) -> KVStoreMeshConfiguration {
        var c = KVStoreMeshConfiguration(clusterName: clusterName, clusterID: clusterID, maxConnectedClusters: maxConnectedClusters)
        c.drainDelay = drainDelay.seconds
        c.cacheTTL = cacheTTL.seconds
        c.perClusterReadyTimeout = perClusterReadyTimeout.seconds
        c.globalReadyTimeout = globalReadyTimeout.seconds
        return c
    }
}
