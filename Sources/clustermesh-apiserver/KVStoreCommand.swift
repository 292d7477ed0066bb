import ArgumentParser
import EtcdClient
import Foundation

/// `clustermesh-apiserver kvstore get|watch|status`: our etcd client against any etcd v3
/// server (real etcd, this server, a peer's clustermesh-apiserver), for troubleshooting.
/// Output: one JSON object per line (`KVStoreOutput`).
struct KVStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvstore",
        abstract: "Query an etcd v3 server with the built-in client (one JSON object per line).",
        subcommands: [KVStoreGet.self, KVStoreWatch.self, KVStoreStatus.self])
}

/// Connection options shared by the kvstore subcommands.
struct KVStoreConnectionOptions: ParsableArguments {
    @Option(help: "Cilium etcd configuration file (endpoints, trusted-ca-file, cert-file, key-file, insecure-transport, insecure-skip-tls-verify).")
    var config: String?

    @Option(help: "Comma-separated endpoints (http://HOST:PORT, https://HOST:PORT, HOST:PORT, [::1]:PORT) instead of --config.")
    var endpoints: String?

    @Option(help: "CA bundle for https endpoints (with --endpoints).")
    var cacert: String?

    @Option(help: "Client certificate (with --endpoints).")
    var cert: String?

    @Option(help: "Client key (with --endpoints).")
    var key: String?

    @Option(name: .customLong("tls-server-name"), help: "Server name for SNI and the certificate check.")
    var tlsServerName: String?

    @Option(name: .customLong("dial-timeout"), help: "Seconds to establish a connection.")
    var dialTimeout: Double = 5

    @Option(name: .customLong("keepalive-time"), help: "Seconds without reads before a keepalive PING (Cilium: 15).")
    var keepaliveTime: Double = 15

    @Option(name: .customLong("keepalive-timeout"), help: "Seconds to wait for anything after a keepalive PING (Cilium: 25).")
    var keepaliveTimeout: Double = 25

    func validate() throws {
        if (config == nil) == (endpoints == nil) { throw ValidationError("give exactly one of --config and --endpoints") }
        if config != nil && (cacert != nil || cert != nil || key != nil) {
            throw ValidationError("--cacert/--cert/--key go with --endpoints; --config has its own TLS keys")
        }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
    }

    func clientConfiguration() throws -> EtcdClientConfiguration {
        var configuration: EtcdClientConfiguration
        if let config {
            do {
                configuration = try EtcdConfigFile.load(path: config).clientConfiguration
            } catch {
                throw ValidationError("--config \(config): \(error)")
            }
        } else {
            var list: [EtcdEndpoint] = []
            for text in (endpoints ?? "").split(separator: ",") {
                guard let endpoint = EtcdEndpoint(parsing: String(text)) else {
                    throw ValidationError("--endpoints: invalid endpoint \(text)")
                }
                list.append(endpoint)
            }
            guard !list.isEmpty else { throw ValidationError("--endpoints: none given") }
            let tls = (cacert != nil || cert != nil) ? EtcdTLSConfiguration(caFile: cacert, certFile: cert, keyFile: key) : nil
            configuration = EtcdClientConfiguration(endpoints: list, tls: tls)
        }
        if let tlsServerName {
            var tls = configuration.tls ?? EtcdTLSConfiguration()
            tls.serverName = tlsServerName
            configuration.tls = tls
        }
        configuration.dialTimeout = .milliseconds(Int64(dialTimeout * 1000))
        configuration.keepaliveTime = .milliseconds(Int64(keepaliveTime * 1000))
        configuration.keepaliveTimeout = .milliseconds(Int64(keepaliveTimeout * 1000))
        return configuration
    }
}

struct KVStoreGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Read a key or (--prefix) list a prefix page by page like Cilium (limit 256, pages pinned to the first revision).")

    @OptionGroup var connection: KVStoreConnectionOptions

    @Flag(help: "List every key with this prefix.")
    var prefix = false

    @Option(name: .customLong("page-size"), help: "Keys per page with --prefix.")
    var pageSize: Int64 = 256

    @Option(help: "Read at this revision (single key only).")
    var rev: Int64 = 0

    @Option(help: "Seconds each request may take.")
    var timeout: Double = 10

    @Argument(help: "The key or prefix.")
    var key: String

    func run() throws {
        let configuration = try connection.clientConfiguration()
        let (prefix, pageSize, rev, timeout, key) = (prefix, pageSize, rev, Duration.milliseconds(Int64(timeout * 1000)), key)
        let code = KVStoreRunner.run(configuration) { client in
            if prefix {
                var pager = client.listPages(prefix: Array(key.utf8), pageSize: pageSize, timeout: timeout)
                var first: EtcdResponseHeader?
                var count: Int64 = 0
                var pages = 0
                while let page = try await pager.next() {
                    if first == nil { first = page.header }
                    for kv in page.kvs { KVStoreOutput.keyValue(kv) }
                    count += Int64(page.kvs.count)
                    pages += 1
                }
                KVStoreOutput.summary(first ?? EtcdResponseHeader(), revision: pager.revision, count: count, pages: pages)
            } else {
                let response = try await client.range(key: Array(key.utf8), revision: rev, timeout: timeout)
                for kv in response.kvs { KVStoreOutput.keyValue(kv) }
                KVStoreOutput.summary(response.header, revision: response.header.revision, count: response.count, pages: 1)
            }
            return 0
        }
        throw ExitCode(code)
    }
}

struct KVStoreStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Maintenance.Status of the endpoint the client connects to.")

    @OptionGroup var connection: KVStoreConnectionOptions

    @Option(help: "Seconds the request may take.")
    var timeout: Double = 10

    func run() throws {
        let configuration = try connection.clientConfiguration()
        let timeout = Duration.milliseconds(Int64(timeout * 1000))
        let code = KVStoreRunner.run(configuration) { client in
            let status = try await client.status(timeout: timeout)
            let endpoint = await client.snapshot().connectedEndpoint
            KVStoreOutput.status(status, endpoint: endpoint)
            return 0
        }
        throw ExitCode(code)
    }
}
