import Foundation

/// One etcd endpoint as clientv3 accepts it: `http://host:port`, `https://host:port`,
/// `host:port`, `[v6]:port`, or a bare host (port 2379). IPv4/IPv6 literals and DNS names.
public struct EtcdEndpoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Equatable, Hashable {
        /// `http://`: plaintext even when TLS is configured (clientv3 `CREDS_DROP`).
        case http
        /// `https://`: TLS (system roots when no CA is configured; clientv3 `CREDS_REQUIRE`).
        case https
        /// No scheme: TLS when configured (clientv3 `CREDS_OPTIONAL`).
        case unspecified
    }

    public static let defaultPort: UInt16 = 2379

    public var scheme: Scheme
    /// Host name or IP literal, without brackets.
    public var host: String
    public var port: UInt16

    public init(scheme: Scheme = .unspecified, host: String, port: UInt16 = EtcdEndpoint.defaultPort) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses an endpoint string; nil when it is malformed.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var scheme = Scheme.unspecified
        if let range = rest.range(of: "://") {
            switch rest[..<range.lowerBound].lowercased() {
            case "http": scheme = .http
            case "https": scheme = .https
            default: return nil
            }
            rest = rest[range.upperBound...]
        }
        // A path (e.g. a trailing "/") is ignored, as grpc's target parsing does.
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.isEmpty else { return nil }
        var host: Substring
        var port = Self.defaultPort
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = UInt16(after.dropFirst()), value > 0 else { return nil }
                port = value
            }
        } else if rest.filter({ $0 == ":" }).count > 1 {
            host = rest  // a bare IPv6 literal without port
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let value = UInt16(rest[rest.index(after: colon)...]), value > 0 else { return nil }
            port = value
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" }) else { return nil }
        self.init(scheme: scheme, host: String(host), port: port)
    }

    /// Whether this endpoint is dialled with TLS given whether TLS is configured.
    public func usesTLS(tlsConfigured: Bool) -> Bool {
        switch scheme {
        case .http: false
        case .https: true
        case .unspecified: tlsConfigured
        }
    }

    /// `host:port` as sent in `:authority` (IPv6 in brackets).
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public var description: String {
        scheme == .unspecified ? authority : "\(scheme.rawValue)://\(authority)"
    }
}
