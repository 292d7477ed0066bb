/// An HTTP/2 protocol error with its scope (RFC 9113 §5.4).
///
/// Connection errors are answered with GOAWAY and end the connection; stream errors with
/// RST_STREAM on that stream only.
public struct HTTP2Error: Error, Equatable, Sendable {
    public enum Scope: Equatable, Sendable {
        case connection
        case stream(UInt32)
    }

    public var code: HTTP2ErrorCode
    public var scope: Scope
    /// Short description for logs (also sent as GOAWAY debug data).
    public var reason: String

    public init(code: HTTP2ErrorCode, scope: Scope, reason: String) {
        self.code = code
        self.scope = scope
        self.reason = reason
    }

    public static func connection(_ code: HTTP2ErrorCode, _ reason: String) -> HTTP2Error {
        HTTP2Error(code: code, scope: .connection, reason: reason)
    }

    public static func stream(_ streamID: UInt32, _ code: HTTP2ErrorCode, _ reason: String) -> HTTP2Error {
        HTTP2Error(code: code, scope: .stream(streamID), reason: reason)
    }
}
