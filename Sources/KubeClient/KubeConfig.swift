/// Where the Kubernetes API server is and how to authenticate to it: the resolved form of a
/// kubeconfig context or of the in-cluster service-account environment.
public struct KubeConfig: Sendable, Equatable {
    public var server: KubeServerURL
    /// PEM CA bundle file trusted for the server certificate.
    public var caPath: String?
    /// PEM CA certificates given in memory (`certificate-authority-data`).
    public var caPEM: [UInt8]?
    public var insecureSkipTLSVerify: Bool
    /// Overrides the name checked against the server certificate (`tls-server-name`).
    public var tlsServerName: String?
    /// Bearer token given inline.
    public var token: String?
    /// File holding the bearer token; re-read for every request (service-account tokens rotate).
    public var tokenPath: String?
    public var clientCertificatePath: String?
    public var clientKeyPath: String?
    /// PEM client certificate / key given in memory (`client-certificate-data`, `client-key-data`).
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// The context's default namespace (informational; the mirror lists all namespaces).
    public var namespace: String?

    public init(
        server: KubeServerURL, caPath: String? = nil, caPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false,
        tlsServerName: String? = nil, token: String? = nil, tokenPath: String? = nil,
        clientCertificatePath: String? = nil, clientKeyPath: String? = nil,
        clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, namespace: String? = nil
    ) {
        self.server = server
        self.caPath = caPath
        self.caPEM = caPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.token = token
        self.tokenPath = tokenPath
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.namespace = namespace
    }
}

/// `http(s)://host[:port][/prefix]` of an API server.
public struct KubeServerURL: Sendable, Equatable, CustomStringConvertible {
    public var secure: Bool
    /// Host name or IP literal (IPv6 without brackets).
    public var host: String
    public var port: UInt16
    /// Path prefix before `/api` (usually empty), without a trailing slash.
    public var pathPrefix: String

    public init(secure: Bool, host: String, port: UInt16, pathPrefix: String = "") {
        self.secure = secure
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    /// Parses `https://host:port`, `http://127.0.0.1:8080`, `https://[fd00::1]:6443/prefix`.
    public init(parsing text: String) throws(KubeConfigError) {
        var rest = Substring(text)
        if rest.hasPrefix("https://") {
            secure = true
            rest = rest.dropFirst(8)
        } else if rest.hasPrefix("http://") {
            secure = false
            rest = rest.dropFirst(7)
        } else {
            throw .invalidServer(text)
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var prefix = String(rest[slash...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        pathPrefix = prefix
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidServer(text) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidServer(text) }
                portText = after.dropFirst()
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                portText = authority[authority.index(after: colon)...]
                authority = authority[..<colon]
            }
            host = String(authority)
        }
        guard !host.isEmpty else { throw .invalidServer(text) }
        if let portText {
            guard let p = UInt16(portText), p > 0 else { throw .invalidServer(text) }
            port = p
        } else {
            port = secure ? 443 : 80
        }
    }

    /// The `Host` header value.
    public var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort: UInt16 = secure ? 443 : 80
        return port == defaultPort ? h : "\(h):\(port)"
    }

    public var description: String { (secure ? "https://" : "http://") + authority + pathPrefix }
}

/// Why a configuration could not be built.
public enum KubeConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidServer(String)
    case missingContext(String)
    case missingCluster(String)
    case missingUser(String)
    case noCurrentContext
    case invalidBase64(field: String)
    case unreadableFile(path: String)
    /// `KUBERNETES_SERVICE_HOST`/`_PORT` not set: not running in a pod.
    case notInCluster
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidServer(let s): "invalid server URL \(s)"
        case .missingContext(let s): "context \(s) not found in kubeconfig"
        case .missingCluster(let s): "cluster \(s) not found in kubeconfig"
        case .missingUser(let s): "user \(s) not found in kubeconfig"
        case .noCurrentContext: "kubeconfig has no current-context"
        case .invalidBase64(let f): "\(f) is not valid base64"
        case .unreadableFile(let p): "cannot read \(p)"
        case .notInCluster: "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT not set (not running in a pod)"
        case .unsupported(let s): "unsupported kubeconfig setting: \(s)"
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    var trimmedWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
