import ArgumentParser

struct ClusterMeshAPIServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clustermesh-apiserver",
        abstract: "Cilium Cluster Mesh API server: an etcd v3 API over an in-memory mirror of this cluster's mesh state.",
        subcommands: [Serve.self, Status.self, Certs.self, PeerConfig.self, KVStoreCommand.self],
        defaultSubcommand: Serve.self
    )
}
