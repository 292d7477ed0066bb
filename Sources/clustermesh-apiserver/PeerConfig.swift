import ArgumentParser
import Foundation

/// `clustermesh-apiserver peer-config`: what a peer cluster's agents (or KVStoreMesh) need to
/// connect to this cluster's API server — the etcd client configuration file Cilium reads from
/// `/var/lib/cilium/clustermesh/<cluster-name>` (parsed by etcd's `clientv3/yaml`), either as the
/// plain file or inside the `cilium-clustermesh` Secret, as `cilium clustermesh connect` and
/// Helm's `clustermesh.config` set it up.
struct PeerConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-config",
        abstract: "Print the cilium-clustermesh entry (etcd config YAML or Secret) for connecting to a cluster.",
        discussion: """
        --cluster-name is the cluster being connected TO; the output goes to the clusters that
        connect to it. Without --embed-files the file points at the certificates every agent already
        mounts (clustermesh-apiserver-remote-cert as common-etcd-client*). With --embed-files
        (--output secret only) the --ca-file/--cert-file/--key-file contents are embedded as
        <cluster>.etcd-client-ca.crt, <cluster>.etcd-client.crt and <cluster>.etcd-client.key and
        the file points at them under --config-dir.
        """
    )

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case yamlFile = "yaml-file"
        case secret
    }

    /// Where the agent mounts `cilium-clustermesh` (Helm).
    static let defaultConfigDirectory = "/var/lib/cilium/clustermesh"
    /// Largest certificate/key file embedded.
    static let maximumEmbeddedFileBytes = 1 << 20

    @Option(name: .customLong("cluster-name"), help: "Name of the cluster being connected to (the file's name and Secret key).")
    var clusterName: String

    @Option(name: .customLong("endpoint"), help: "etcd endpoint URL of that cluster's API server (https://HOST:PORT); repeatable.")
    var endpoints: [String] = []

    @Option(name: .customLong("ca-file"), help: "trusted-ca-file (with --embed-files: the local file to embed).")
    var caFile = defaultConfigDirectory + "/common-etcd-client-ca.crt"

    @Option(name: .customLong("cert-file"), help: "cert-file (with --embed-files: the local file to embed).")
    var certFile = defaultConfigDirectory + "/common-etcd-client.crt"

    @Option(name: .customLong("key-file"), help: "key-file (with --embed-files: the local file to embed).")
    var keyFile = defaultConfigDirectory + "/common-etcd-client.key"

    @Option(help: "yaml-file (the etcd config file) or secret (a cilium-clustermesh Secret manifest).")
    var output: Output = .yamlFile

    @Flag(name: .customLong("embed-files"), help: "Embed the CA, certificate and key in the Secret (--output secret).")
    var embedFiles = false

    @Option(name: .customLong("config-dir"), help: "Directory the Secret is mounted at on the agents (paths of embedded files).")
    var configDir = defaultConfigDirectory

    @Option(help: "Namespace of the Secret.")
    var namespace = "kube-system"

    func validate() throws {
        try ClusterName.validate(clusterName, clusterID: 1)
        guard !endpoints.isEmpty else { throw ValidationError("at least one --endpoint is required") }
        for endpoint in endpoints { try Self.validate(endpoint: endpoint) }
        guard SecretManifest.isDNSLabel(namespace) else { throw ValidationError("--namespace must be a DNS-1123 label") }
        if embedFiles && output != .secret { throw ValidationError("--embed-files needs --output secret") }
        for path in [caFile, certFile, keyFile, configDir] where path.isEmpty || path.contains("\n") {
            throw ValidationError("invalid path \"\(path)\"")
        }
    }

    static func validate(endpoint: String) throws {
        guard let url = URLComponents(string: endpoint), let scheme = url.scheme, ["https", "http"].contains(scheme),
              let host = url.host, !host.isEmpty, let port = url.port, (1...65535).contains(port),
              url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil,
              !endpoint.contains(where: { $0.isWhitespace || $0 == "\"" }) else {
            throw ValidationError("--endpoint \(endpoint): want https://HOST:PORT")
        }
    }

    /// The file names `<cluster>.etcd-client-ca.crt`, `.etcd-client.crt`, `.etcd-client.key`.
    var embeddedNames: (ca: String, cert: String, key: String) {
        ("\(clusterName).etcd-client-ca.crt", "\(clusterName).etcd-client.crt", "\(clusterName).etcd-client.key")
    }

    /// The etcd client configuration file (Helm's `clustermesh-config` layout and key order).
    func configFile() -> String {
        let directory = configDir.hasSuffix("/") ? String(configDir.dropLast()) : configDir
        let paths = embedFiles
            ? (ca: directory + "/" + embeddedNames.ca, cert: directory + "/" + embeddedNames.cert,
               key: directory + "/" + embeddedNames.key)
            : (ca: caFile, cert: certFile, key: keyFile)
        var text = "endpoints:\n"
        for endpoint in endpoints { text += "- \(yamlScalar(endpoint))\n" }
        text += "trusted-ca-file: \(yamlScalar(paths.ca))\n"
        text += "key-file: \(yamlScalar(paths.key))\n"
        text += "cert-file: \(yamlScalar(paths.cert))\n"
        return text
    }

    func run() throws {
        let file = configFile()
        guard output == .secret else {
            print(file, terminator: "")
            return
        }
        var data: [(key: String, value: [UInt8])] = [(clusterName, Array(file.utf8))]
        if embedFiles {
            let names = embeddedNames
            for (name, path) in [(names.ca, caFile), (names.cert, certFile), (names.key, keyFile)] {
                data.append((name, try Self.readSmallFile(path)))
            }
        }
        let secret = SecretManifest(
            name: "cilium-clustermesh", namespace: namespace, type: "Opaque",
            labels: [(key: "app.kubernetes.io/part-of", value: "cilium")], data: data)
        print(secret.yaml(), terminator: "")
    }

    static func readSmallFile(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Certs.Failure(message: "cannot read \(path)") }
        defer { try? handle.close() }
        let data = try handle.read(upToCount: maximumEmbeddedFileBytes + 1) ?? Data()
        guard data.count <= maximumEmbeddedFileBytes else {
            throw Certs.Failure(message: "\(path) is larger than \(maximumEmbeddedFileBytes) bytes")
        }
        return Array(data)
    }
}
