/// A parsed (or to-be-sent) HTTP/1.x request line and header fields.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request-target as sent (RFC 9112 §3.2), normally origin-form `/path?query`.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The target up to `?` (for absolute-form, the path part of the URI).
    public var path: String {
        var t = Substring(target)
        // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
        if t.first != "/", let colon = t.firstIndex(of: ":"), t[colon...].hasPrefix("://") {
            let authority = t[t.index(colon, offsetBy: 3)...]
            let rest = authority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { authority[$0...] } ?? ""
            t = rest.first == "/" ? rest : Substring("/" + rest)
        }
        if let q = t.firstIndex(of: "?") { return String(t[..<q]) }
        return String(t)
    }

    /// The query after the first `?`, without it; nil when there is none.
    public var query: String? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        return String(target[target.index(after: q)...])
    }

    /// Whether the connection may carry another request after this one (RFC 9112 §9.3):
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        let tokens = headers.tokens(for: "connection")
        if tokens.contains("close") { return false }
        if version == .http1_0 { return tokens.contains("keep-alive") }
        return version.major == 1
    }

    /// `Expect: 100-continue` (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        version == .http1_1 && headers.tokens(for: "expect").contains("100-continue")
    }
}
