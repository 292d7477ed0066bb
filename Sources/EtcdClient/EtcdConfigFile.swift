import Foundation
import Yams

/// Cilium's etcd configuration file (one per remote cluster in the clustermesh config
/// directory), read the way etcd's `client/v3/yaml.NewConfig` reads it: `endpoints`,
/// `trusted-ca-file` (or the older `ca-file`), `cert-file`, `key-file`, `insecure-transport`,
/// `insecure-skip-tls-verify`, plus `dial-timeout`; other keys are ignored.
///
/// As in etcd: `insecure-transport: true` means no TLS at all; otherwise TLS is configured
/// (system roots when no CA file is given), and the client certificate is used only when both
/// `cert-file` and `key-file` are set.
public struct EtcdConfigFile: Sendable, Equatable {
    public var endpoints: [EtcdEndpoint]
    public var tls: EtcdTLSConfiguration?
    public var dialTimeout: Duration?

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalidYAML(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .invalidYAML(let reason): "invalid YAML: \(reason)"
            case .invalid(let reason): reason
            }
        }
    }

    /// Reads and parses a file; relative paths inside it are kept as written (etcd opens them
    /// relative to the process's working directory too).
    public static func load(path: String) throws(ParseError) -> EtcdConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count <= 1 << 20 else { throw .unreadable(path: path, reason: "larger than 1 MiB") }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    public static func parse(_ text: String) throws(ParseError) -> EtcdConfigFile {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .invalidYAML("\(error)")
        }
        guard let mapping = node?.mapping else { throw .invalid("the configuration is not a YAML mapping") }
        var endpoints: [EtcdEndpoint] = []
        if let list = mapping["endpoints"] {
            let texts: [String]
            if let sequence = list.sequence {
                texts = sequence.compactMap(\.string)
            } else if let single = list.string {
                texts = [single]
            } else {
                throw .invalid("endpoints must be a list of URLs")
            }
            for text in texts {
                guard let endpoint = EtcdEndpoint(parsing: text) else { throw .invalid("invalid endpoint \(text)") }
                endpoints.append(endpoint)
            }
        }
        guard !endpoints.isEmpty else { throw .invalid("no endpoints") }
        func string(_ key: String) -> String? {
            guard let value = mapping[key]?.string, !value.isEmpty else { return nil }
            return value
        }
        func bool(_ key: String) throws(ParseError) -> Bool {
            guard let node = mapping[key] else { return false }
            guard let value = node.bool else { throw .invalid("\(key) must be true or false") }
            return value
        }
        var dialTimeout: Duration?
        if let node = mapping["dial-timeout"] {
            // clientv3.Config's JSON field is a time.Duration: integer nanoseconds.
            guard let nanoseconds = node.int, nanoseconds >= 0 else {
                throw .invalid("dial-timeout must be an integer number of nanoseconds")
            }
            dialTimeout = nanoseconds == 0 ? nil : .nanoseconds(nanoseconds)
        }
        if try bool("insecure-transport") {
            return EtcdConfigFile(endpoints: endpoints, tls: nil, dialTimeout: dialTimeout)
        }
        var tls = EtcdTLSConfiguration(caFile: string("trusted-ca-file") ?? string("ca-file"),
                                       insecureSkipVerify: try bool("insecure-skip-tls-verify"))
        if let cert = string("cert-file"), let key = string("key-file") {
            tls.certFile = cert
            tls.keyFile = key
        }
        return EtcdConfigFile(endpoints: endpoints, tls: tls, dialTimeout: dialTimeout)
    }

    /// A client configuration with these endpoints, TLS and dial timeout, other values default.
    public var clientConfiguration: EtcdClientConfiguration {
        var configuration = EtcdClientConfiguration(endpoints: endpoints, tls: tls)
        if let dialTimeout { configuration.dialTimeout = dialTimeout }
        return configuration
    }
}
