/// gRPC status codes (`google.golang.org/grpc/codes`), numeric values as sent in `grpc-status`.
public enum GRPCStatusCode: Int, Sendable, CaseIterable {
    case ok = 0
    case cancelled = 1
    case unknown = 2
    case invalidArgument = 3
    case deadlineExceeded = 4
    case notFound = 5
    case alreadyExists = 6
    case permissionDenied = 7
    case resourceExhausted = 8
    case failedPrecondition = 9
    case aborted = 10
    case outOfRange = 11
    case unimplemented = 12
    case internalError = 13
    case unavailable = 14
    case dataLoss = 15
    case unauthenticated = 16
}

/// A gRPC status: a code plus the (unencoded) message carried in `grpc-message`.
///
/// Used as the typed error of the wire helpers, and as the value the server puts in trailers.
public struct GRPCStatus: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: GRPCStatusCode
    public var message: String

    public init(_ code: GRPCStatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `grpc-status` header value: the decimal code without leading zeros.
    public var headerValue: String { String(code.rawValue) }

    /// `grpc-message` header value: the message percent-encoded like grpc-go.
    public var encodedMessage: String { GRPCPercentEncoding.encode(message) }

    public var description: String { "rpc error: code = \(code) desc = \(message)" }
}
