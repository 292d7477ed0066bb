/// The header block of a gRPC request, in grpc-go's order (`createHeaderFields` in
/// `internal/transport/http2_client.go`; PROTOCOL-HTTP2 "Requests"): `:method POST`, `:scheme`,
/// `:path`, `:authority`, `content-type`, `user-agent`, `te: trailers`, `grpc-accept-encoding`
/// (when set), `grpc-timeout` (when a deadline is set), then custom metadata.
public struct GRPCRequestHead: Sendable, Equatable {
    /// `/package.Service/Method`.
    public var path: String
    /// `host:port` of the endpoint (what grpc-go puts in `:authority`).
    public var authority: String
    /// `http` or `https`.
    public var scheme: String
    public var userAgent: String
    /// Time left until the call's deadline, sent as `grpc-timeout` (grpc-go encoding).
    public var timeoutNanoseconds: Int64?
    /// Encodings we can decompress, sent as `grpc-accept-encoding`; empty sends none.
    public var acceptEncodings: [String]
    /// Custom metadata (e.g. `hasleader: true`). Keys are lowercased; values of `-bin` keys are
    /// given raw and sent base64 (unpadded, like grpc-go). Reserved names are dropped.
    public var metadata: [GRPCHeader]
    /// Binary metadata (`-bin` keys), base64-encoded on the wire.
    public var binaryMetadata: [(key: String, value: [UInt8])]

    public static let defaultUserAgent = "clustermesh-apiserver-etcdclient/1.0"

    public init(
        path: String, authority: String, scheme: String = "http", userAgent: String = GRPCRequestHead.defaultUserAgent,
        timeoutNanoseconds: Int64? = nil, acceptEncodings: [String] = [], metadata: [GRPCHeader] = [],
        binaryMetadata: [(key: String, value: [UInt8])] = []
    ) {
        self.path = path
        self.authority = authority
        self.scheme = scheme
        self.userAgent = userAgent
        self.timeoutNanoseconds = timeoutNanoseconds
        self.acceptEncodings = acceptEncodings
        self.metadata = metadata
        self.binaryMetadata = binaryMetadata
    }

    public static func == (lhs: GRPCRequestHead, rhs: GRPCRequestHead) -> Bool {
        lhs.fields == rhs.fields
    }

    /// The header fields to send, pseudo-headers first.
    public var fields: [GRPCHeader] {
        var out = [
            GRPCHeader(":method", "POST"),
            GRPCHeader(":scheme", scheme),
            GRPCHeader(":path", path),
            GRPCHeader(":authority", authority),
            GRPCHeader("content-type", GRPCContentType.base),
            GRPCHeader("user-agent", userAgent),
            GRPCHeader("te", "trailers"),
        ]
        if !acceptEncodings.isEmpty {
            out.append(GRPCHeader("grpc-accept-encoding", acceptEncodings.joined(separator: ",")))
        }
        if let timeoutNanoseconds {
            out.append(GRPCHeader("grpc-timeout", GRPCTimeout.encode(nanoseconds: timeoutNanoseconds)))
        }
        for entry in metadata {
            let key = entry.name.lowercased()
            guard !GRPCMetadata.isReservedHeader(key), !GRPCMetadata.isBinaryKey(key) else { continue }
            out.append(GRPCHeader(key, entry.value))
        }
        for entry in binaryMetadata {
            let key = entry.key.lowercased()
            guard GRPCMetadata.isBinaryKey(key) else { continue }
            out.append(GRPCHeader(key, GRPCMetadata.encodeBinary(entry.value)))
        }
        return out
    }
}
