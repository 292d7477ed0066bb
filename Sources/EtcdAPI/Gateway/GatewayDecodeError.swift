import GRPCWire

/// Why a gateway request body could not be turned into a protobuf message; rendered with the
/// Go text grpc-gateway returns as InvalidArgument.
public enum GatewayDecodeError: Error, Sendable, Equatable {
    /// JSON syntax (Go `encoding/json` wording).
    case syntax(String)
    /// A `bytes` field is not standard padded base64 (Go `base64.CorruptInputError`).
    case base64(offset: Int)
    /// The top-level value is not an object.
    case notAnObject(String)
    /// SwiftProtobuf rejected the JSON for the message type (wrong field type, bad enum ...).
    case message(String)
    /// A streaming request object exceeded the size bound.
    case tooLarge(size: Int, limit: Int)

    public var message: String {
        switch self {
        case .syntax(let text): text
        case .base64(let offset): "illegal base64 data at input byte \(offset)"
        case .notAnObject(let kind): "json: cannot unmarshal \(kind) into Go value of type map[string]json.RawMessage"
        case .message(let text): text
        case .tooLarge(let size, let limit): "grpc: trying to send message larger than max (\(size) vs. \(limit))"
        }
    }

    public var status: GRPCStatus {
        switch self {
        case .tooLarge: GRPCStatus(.resourceExhausted, message)
        default: GRPCStatus(.invalidArgument, message)
        }
    }
}
