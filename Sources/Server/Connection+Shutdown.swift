import GRPCWire
import HTTP2

/// Graceful shutdown of one connection (runs on its queue).
extension Connection {
    /// etcd's shutdown answer for streams: Unavailable, which clientv3 treats as "reconnect
    /// and resume" (watchers re-created from their next revision on another connection).
    static let shutdownStatus = GRPCStatus(.unavailable, "etcdserver: server stopped")

    /// GOAWAY, end the long-lived streams, then close once the output is written.
    func beginShutdown() {
        switch proto {
        case .closed:
            return
        case .sniffing:
            close()
            return
        case .http2:
            h2.goAway(code: .noError)
            for call in Array(calls.values) { finish(call, status: Self.shutdownStatus) }
            for exchange in Array(gatewayStreams.values) {
                gatewayRespondShutdown(exchange)
            }
        case .http1:
            if let exchange = http1Exchange { gatewayRespondShutdown(exchange) }
        }
        closeAfterFlush = true
        flush()
    }

    private func gatewayRespondShutdown(_ exchange: GatewayExchange) {
        if exchange.headSent {
            exchange.ended = true
            exchange.close()
            switch exchange.transport {
            case .http1: emit([0x30, 0x0D, 0x0A, 0x0D, 0x0A])  // last chunk
            case .http2(let id): h2.sendData(streamID: id, bytes: [], endStream: true)
            }
        } else {
            gatewayRespond(exchange, .grpcError(Self.shutdownStatus))
        }
    }
}
