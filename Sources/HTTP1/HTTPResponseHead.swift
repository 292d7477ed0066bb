/// A parsed (or to-be-sent) HTTP/1.x status line and header fields.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    /// `reason` defaults to the standard phrase for `status`.
    public init(status: Int, reason: String? = nil, version: HTTPVersion = .http1_1, headers: HTTPHeaders = []) {
        self.status = status
        self.reason = reason ?? HTTPStatus.reasonPhrase(status)
        self.version = version
        self.headers = headers
    }

    /// Whether the connection stays open after this response (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let tokens = headers.tokens(for: "connection")
        if tokens.contains("close") { return false }
        if version == .http1_0 { return tokens.contains("keep-alive") }
        return true
    }
}
