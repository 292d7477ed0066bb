import GRPCWire

/// A complete (non-streaming) HTTP response produced by the gateway; the connection layer
/// adds framing (`Content-Length`) and writes it.
public struct GatewayResponse: Sendable, Equatable {
    public var status: Int
    /// In order; names as Go's `net/http` canonicalizes them.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public static func == (lhs: GatewayResponse, rhs: GatewayResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// etcd's default CORS headers (`server/embed/serve.go` `addCORSHeader`, origin `*`).
    public static let corsHeaders: [(String, String)] = [
        ("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", "accept, content-type, authorization"),
    ]

    /// grpc-gateway copies the gRPC response headers as `Grpc-Metadata-*`.
    static let grpcMetadataHeaders: [(String, String)] = [("Grpc-Metadata-Content-Type", "application/grpc")]

    static func json(_ body: [UInt8], status: Int = 200, grpcMetadata: Bool = true) -> GatewayResponse {
        GatewayResponse(
            status: status,
            headers: corsHeaders + [("Content-Type", "application/json")] + (grpcMetadata ? grpcMetadataHeaders : []),
            body: body)
    }

    /// Go's `http.Error`: text/plain, nosniff, message plus newline.
    static func plainError(_ text: String, status: Int, extra: [(String, String)] = []) -> GatewayResponse {
        GatewayResponse(
            status: status,
            headers: corsHeaders + extra + [
                ("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
            ],
            body: Array((text + "\n").utf8))
    }

    /// grpc-gateway v1 `DefaultHTTPError`: `{"error":m,"code":c,"message":m}` with the mapped status.
    public static func grpcError(_ status: GRPCStatus) -> GatewayResponse {
        json(GatewayJSON.errorBody(status), status: httpStatus(for: status.code))
    }

    /// grpc-gateway `HTTPStatusFromCode`.
    public static func httpStatus(for code: GRPCStatusCode) -> Int {
        switch code {
        case .ok: 200
        case .cancelled: 408
        case .unknown: 500
        case .invalidArgument: 400
        case .deadlineExceeded: 504
        case .notFound: 404
        case .alreadyExists: 409
        case .permissionDenied: 403
        case .resourceExhausted: 429
        case .failedPrecondition: 400
        case .aborted: 409
        case .outOfRange: 400
        case .unimplemented: 501
        case .internalError: 500
        case .unavailable: 503
        case .dataLoss: 500
        case .unauthenticated: 401
        }
    }

    /// Go's `http.StatusText` for the statuses the gateway produces.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: ""
        }
    }
}
