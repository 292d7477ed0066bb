import EtcdProto
import GRPCWire
import SwiftProtobuf

/// The HTTP/JSON gateway over `EtcdServer` (etcd 3.5: grpc-gateway v1 plus `/version`,
/// `/health` and the CORS access controller). Pure: bytes in, `GatewayResponse` out; the
/// connection layer parses HTTP/1.1, picks the route with `GatewayRoute(path:method:)`, and
/// uses `GatewayWatchStream` / `GatewayKeepAliveStream` for the streaming routes.
public final class GatewayHandler: Sendable {
    public let server: EtcdServer

    public init(server: EtcdServer) {
        self.server = server
    }

    /// Answers every non-streaming route. For `.watch` / `.leaseKeepAlive` use the stream types
    /// (this returns 500 for them). `acceptEncoding`: the request's `Accept-Encoding`, for gzip.
    public func respond(to route: GatewayRoute, body: [UInt8], context: CallContext,
                        acceptEncoding: String? = nil) -> GatewayResponse {
        let response: GatewayResponse
        switch route {
        case .unary(let method):
            response = unary(method, body: body, context: context)
        case .refused:
            response = .grpcError(EtcdError.permissionDenied.status)
        case .unimplemented(let service):
            response = .grpcError(GRPCStatus(.unimplemented, "unknown service \(service)"))
        case .version:
            response = GatewayResponse(
                status: 200,
                headers: GatewayResponse.corsHeaders + [("Content-Type", "application/json")],
                body: Self.versionBody(server.identity))
        case .health:
            // etcd writes the JSON without a Content-Type; Go's sniffing makes it text/plain.
            response = GatewayResponse(
                status: 200,
                headers: GatewayResponse.corsHeaders + [("Content-Type", "text/plain; charset=utf-8")],
                body: Array(#"{"health":"true","reason":""}"#.utf8))
        case .preflight:
            response = GatewayResponse(status: 200, headers: GatewayResponse.corsHeaders, body: [])
        case .methodNotAllowed(let allow):
            // /version and /health set Allow; the grpc-gateway mux does not.
            let extra: [(String, String)] = allow == "GET" ? [("Allow", "GET")] : []
            response = .plainError("Method Not Allowed", status: 405, extra: extra)
        case .notFound(let gatewayPrefix):
            response = .plainError(gatewayPrefix ? "Not Found" : "404 page not found", status: 404)
        case .watch, .leaseKeepAlive:
            response = .grpcError(GRPCStatus(.internalError, "streaming route"))
        }
        return GatewayCompression.apply(to: response, acceptEncoding: acceptEncoding)
    }

    /// `POST <path>` with a JSON body, for a unary gateway path (`/v3beta/` accepted).
    /// Other paths get the routing answers (404, 403 …).
    public func unary(path: String, body: [UInt8], context: CallContext) -> GatewayResponse {
        respond(to: GatewayRoute(path: path, method: "POST"), body: body, context: context)
    }

    /// JSON → request message → `EtcdServer.unary` → response message → JSON.
    func unary(_ method: EtcdRoute.UnaryMethod, body: [UInt8], context: CallContext) -> GatewayResponse {
        let codec = Self.codec(for: method)
        let request: [UInt8]
        switch codec.request(body) {
        case .success(let bytes): request = bytes
        case .failure(let error): return .grpcError(error.status)
        }
        switch server.unary(method, request: request, context: context) {
        case .failure(let status):
            return .grpcError(status)
        case .success(let bytes):
            switch codec.response(bytes) {
            case .success(let json): return .json(json)
            case .failure(let status): return .grpcError(status)
            }
        }
    }

    /// `{"etcdserver":"3.5.x","etcdcluster":"3.5.0"}` (etcd `api/version` `Versions`).
    static func versionBody(_ identity: ServerIdentity) -> [UInt8] {
        var out = Array(#"{"etcdserver":"#.utf8)
        out += GatewayJSON.quoted(identity.version)
        out += Array(#","etcdcluster":"#.utf8)
        out += GatewayJSON.quoted(ServerIdentity.clusterVersion)
        out.append(0x7D)
        return out
    }

    /// gRPC metadata from HTTP request headers, as grpc-gateway v1's `DefaultHeaderMatcher`
    /// does: `Authorization` → `authorization`, `Grpc-Metadata-X` → `x`, other permanent
    /// headers → `grpcgateway-<name>`; the rest are dropped.
    public static func metadata(fromHeaders headers: [(String, String)]) -> [(String, String)] {
        var out: [(String, String)] = []
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower == "authorization" {
                out.append(("authorization", value))
            } else if lower.hasPrefix("grpc-metadata-") {
                out.append((String(lower.dropFirst("grpc-metadata-".count)), value))
            } else if permanentHeaders.contains(lower) {
                out.append(("grpcgateway-" + lower, value))
            }
        }
        return out
    }

    static let permanentHeaders: Set<String> = [
        "accept", "accept-charset", "accept-language", "accept-ranges", "cache-control", "content-type",
        "cookie", "date", "expect", "from", "host", "if-match", "if-modified-since", "if-none-match",
        "if-schedule-tag-match", "if-unmodified-since", "max-forwards", "origin", "pragma", "referer",
        "user-agent", "via", "warning",
    ]
}
