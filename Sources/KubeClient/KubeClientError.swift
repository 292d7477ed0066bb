import HTTP1
import Sockets
import TLS

/// Why a request to the API server failed.
public enum KubeClientError: Error, Equatable, Sendable, CustomStringConvertible {
    case configuration(String)
    /// The server's host name did not resolve.
    case resolve(host: String, message: String)
    case connect(address: String, message: String)
    case socket(SocketError)
    case tls(TLSError)
    case http(HTTP1Error)
    /// No bytes for longer than the idle timeout (or the connect timeout elapsed).
    case timeout(String)
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// A non-2xx answer; `message` is the `Status` message (or the start of the body).
    case status(code: Int, reason: String, message: String)
    /// A list body over its bound, or a watch line over its bound.
    case tooLarge(limit: Int)
    case decode(KubeListError)
    /// The caller's stop signal fired.
    case cancelled

    public var description: String {
        switch self {
        case .configuration(let s): "configuration: \(s)"
        case .resolve(let host, let message): "resolve \(host): \(message)"
        case .connect(let address, let message): "connect \(address): \(message)"
        case .socket(let e): e.description
        case .tls(let e): e.description
        case .http(let e): "HTTP: \(e)"
        case .timeout(let s): "timeout: \(s)"
        case .connectionClosed: "connection closed by the server"
        case .status(let code, let reason, let message):
            "HTTP \(code)" + (reason.isEmpty ? "" : " \(reason)") + (message.isEmpty ? "" : ": \(message)")
        case .tooLarge(let limit): "response larger than \(limit) bytes"
        case .decode(let e): "decode: \(e)"
        case .cancelled: "cancelled"
        }
    }

    /// The HTTP status code, if the server answered with an error status.
    public var statusCode: Int? {
        if case .status(let code, _, _) = self { return code }
        return nil
    }
}
