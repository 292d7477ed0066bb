/// A client-side TLS context (an `SSL_CTX`): trust anchors, optional client certificate, ALPN
/// offer. Immutable and thread-safe; make one engine per connection.
public final class TLSClientContext: Sendable {
    public let configuration: TLSClientConfiguration
    private let handle: SSLContextHandle

    public init(_ configuration: TLSClientConfiguration) throws(TLSError) {
        self.configuration = configuration
        handle = try SSLContextHandle.makeClient(configuration)
    }

    /// Creates the engine for one connection. `serverName` overrides the configured one (SNI and
    /// certificate name check); with verification on, a name is strongly advised.
    public func makeEngine(serverName: String? = nil) throws(TLSError) -> TLSEngine {
        try TLSEngine(handle: handle, serverName: serverName ?? handle.serverName)
    }
}
