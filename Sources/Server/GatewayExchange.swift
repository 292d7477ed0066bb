import EtcdAPI

/// One HTTP/JSON gateway request in progress, over HTTP/1.1 or a non-gRPC HTTP/2 stream.
final class GatewayExchange {
    enum Work {
        /// Collects the body, answers at its end.
        case unary(GatewayRoute)
        case watch(GatewayWatchStream)
        case keepAlive(GatewayKeepAliveStream)
        /// `GET /clustermesh/v1/status`.
        case status(@Sendable () -> [UInt8])
    }

    enum Transport {
        case http1(keepAlive: Bool)
        case http2(streamID: UInt32)
    }

    let work: Work
    let transport: Transport
    let context: CallContext
    let acceptEncoding: String?
    var body: [UInt8] = []
    /// A HEAD request: the response carries headers only (RFC 9110 §9.3.2).
    var isHead = false
    var headSent = false
    var ended = false

    init(work: Work, transport: Transport, context: CallContext, acceptEncoding: String?) {
        self.work = work
        self.transport = transport
        self.context = context
        self.acceptEncoding = acceptEncoding
    }

    var watch: GatewayWatchStream? {
        if case .watch(let w) = work { return w }
        return nil
    }

    func close() {
        watch?.close()
    }
}
