/// Interprets one gRPC response exactly as grpc-go's client transport does
/// (`operateHeaders`, `handleData`, `handleRSTStream` in `internal/transport/http2_client.go`;
/// PROTOCOL-HTTP2 "Responses"): the response head (`:status`, `content-type`), Trailers-Only,
/// the length-prefixed messages, and the final status from the trailers. Pure: the transport
/// feeds it header blocks and DATA and performs the `resetCode` it asks for.
///
/// Rules enforced (texts are grpc-go's):
/// * First block: not gRPC (content-type) or `:status` ≠ 200 → status from `:status`
///   (`GRPCTransportStatus.code(httpStatus:)`, Internal if absent) with
///   "unexpected HTTP status code received from server: N (Text)" and/or
///   "transport: received unexpected content-type \"…\"" / "malformed header: missing HTTP
///   content-type", stream reset with PROTOCOL_ERROR.
/// * `grpc-status` not a decimal int32 → Internal "transport: malformed grpc-status: …";
///   missing → Unknown. `grpc-message` is percent-decoded.
/// * DATA ending the stream without trailers → Internal "server closed the stream without
///   sending trailers".
/// * Messages over `maxReceiveMessageSize` → ResourceExhausted "grpc: received message larger
///   than max (N vs. M)", stream cancelled.
public struct GRPCResponseReader: Sendable {
    public enum Event: Sendable, Equatable {
        /// Response metadata (headers of a response that is not Trailers-Only).
        case headers([GRPCHeader])
        /// One complete (decompressed) message.
        case message([UInt8])
        /// The call is over. `resetCode` (HTTP/2 error code) asks the transport to reset the
        /// stream when it is still open on our side (PROTOCOL_ERROR 0x1 or CANCEL 0x8).
        case end(GRPCStatus, trailers: [GRPCHeader], resetCode: UInt32?)
    }

    public static let protocolErrorCode: UInt32 = 0x1
    public static let cancelCode: UInt32 = 0x8

    public let maxReceiveMessageSize: Int
    private var deframer: GRPCMessageDeframer?
    private var finished = false

    public init(maxReceiveMessageSize: Int) {
        self.maxReceiveMessageSize = max(0, maxReceiveMessageSize)
    }

    /// The final status was produced; later input is ignored.
    public var isFinished: Bool { finished }

    /// Response headers arrived (later blocks are trailers).
    public var receivedHeaders: Bool { deframer != nil }

    /// A header block from the transport: the response head, Trailers-Only or trailers.
    public mutating func receiveHeaders(_ fields: [GRPCHeader], endStream: Bool) -> [Event] {
        guard !finished else { return [] }
        let initial = deframer == nil
        var parsed = ParsedHeaders(initial: initial)
        for field in fields { parsed.take(field) }
        if let failure = parsed.failure {
            return finish(failure, trailers: [], reset: Self.protocolErrorCode)
        }
        if !parsed.isGRPC || !parsed.httpStatusError.isEmpty {
            var code = GRPCStatusCode.internalError  // no :status at all
            if let status = parsed.httpStatus { code = GRPCTransportStatus.code(httpStatus: status) }
            let message = [parsed.httpStatusError, parsed.contentTypeError].filter { !$0.isEmpty }.joined(separator: "; ")
            return finish(GRPCStatus(code, message), trailers: [], reset: Self.protocolErrorCode)
        }
        if !parsed.headerError.isEmpty {
            return finish(GRPCStatus(.internalError, parsed.headerError), trailers: [], reset: Self.protocolErrorCode)
        }
        var events: [Event] = []
        if initial {
            deframer = GRPCMessageDeframer(maxMessageSize: maxReceiveMessageSize, encoding: parsed.encoding)
            if !endStream { events.append(.headers(parsed.metadata)) }
        }
        guard endStream else { return events }
        var status = GRPCStatus(parsed.statusCode, parsed.message)
        // Trailers arrived with a message cut short: grpc-go's reader hits io.ErrUnexpectedEOF.
        if status.code == .ok, deframer?.hasPartialMessage == true {
            status = GRPCStatus(.internalError, "unexpected EOF")
        }
        return events + finish(status, trailers: parsed.metadata, reset: nil)
    }

    /// DATA payload from the transport.
    public mutating func receiveData(_ bytes: [UInt8], endStream: Bool) -> [Event] {
        guard !finished, var current = deframer else { return [] }
        current.append(bytes)
        var events: [Event] = []
        while true {
            do {
                guard let message = try current.next() else { break }
                events.append(.message(message))
            } catch {
                deframer = current
                return events + finish(error, trailers: [], reset: Self.cancelCode)
            }
        }
        deframer = current
        if endStream {
            events += finish(GRPCTransportStatus.missingTrailers, trailers: [], reset: nil)
        }
        return events
    }

    /// The server reset the stream.
    public mutating func receiveReset(http2ErrorCode: UInt32, deadlinePassed: Bool = false) -> [Event] {
        guard !finished else { return [] }
        return finish(GRPCTransportStatus.reset(http2ErrorCode: http2ErrorCode, deadlinePassed: deadlinePassed),
                      trailers: [], reset: nil)
    }

    /// The transport ended the stream for another reason (connection lost, GOAWAY, local
    /// protocol error, deadline, cancellation) with this status.
    public mutating func fail(_ status: GRPCStatus, resetCode: UInt32? = nil) -> [Event] {
        guard !finished else { return [] }
        return finish(status, trailers: [], reset: resetCode)
    }

    private mutating func finish(_ status: GRPCStatus, trailers: [GRPCHeader], reset: UInt32?) -> [Event] {
        finished = true
        deframer = nil
        return [.end(status, trailers: trailers, resetCode: reset)]
    }
}
