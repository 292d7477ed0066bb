import EtcdAPI
import GRPCWire
import HPACK

/// Server-side state of one gRPC call on an HTTP/2 stream. Owned by its `Connection`.
final class GRPCCall {
    enum Kind {
        case unary(EtcdRoute.UnaryMethod)
        case watch(WatchSession)
        case leaseKeepAlive
    }

    let streamID: UInt32
    let kind: Kind
    /// The method name (last `:path` component), for metrics and logs.
    var method = ""
    var deframer: GRPCMessageDeframer
    var unaryRequest: [UInt8]?
    var headersSent = false
    var finished = false
    var clientHalfClosed = false
    var deadlineGeneration = 0
    var metadata: [(String, String)] = []
    var compressResponses = false
    /// Messages smaller than this go uncompressed even when the client accepts gzip.
    static let compressionThreshold = 1024

    init(streamID: UInt32, kind: Kind, deframer: GRPCMessageDeframer) {
        self.streamID = streamID
        self.kind = kind
        self.deframer = deframer
    }

    var watchSession: WatchSession? {
        if case .watch(let s) = kind { return s }
        return nil
    }

    static let responseHeaders = [
        HeaderField(name: ":status", value: "200"),
        HeaderField(name: "content-type", value: "application/grpc"),
    ]

    static func trailers(_ status: GRPCStatus, trailersOnly: Bool) -> [HeaderField] {
        var fields = trailersOnly ? responseHeaders : []
        fields.append(HeaderField(name: "grpc-status", value: String(status.code.rawValue)))
        if !status.message.isEmpty {
            fields.append(HeaderField(name: "grpc-message", value: GRPCPercentEncoding.encode(status.message)))
        }
        return fields
    }
}

extension GRPCStatusCode {
    /// The canonical gRPC code name (`OK`, `PermissionDenied`, …), as metrics label.
    var canonicalName: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "Canceled"
        case .unknown: "Unknown"
        case .invalidArgument: "InvalidArgument"
        case .deadlineExceeded: "DeadlineExceeded"
        case .notFound: "NotFound"
        case .alreadyExists: "AlreadyExists"
        case .permissionDenied: "PermissionDenied"
        case .resourceExhausted: "ResourceExhausted"
        case .failedPrecondition: "FailedPrecondition"
        case .aborted: "Aborted"
        case .outOfRange: "OutOfRange"
        case .unimplemented: "Unimplemented"
        case .internalError: "Internal"
        case .unavailable: "Unavailable"
        case .dataLoss: "DataLoss"
        case .unauthenticated: "Unauthenticated"
        }
    }
}
