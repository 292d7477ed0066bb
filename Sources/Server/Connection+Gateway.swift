import EtcdAPI
import GRPCWire
import HPACK
import HTTP1
import HTTP2

/// The etcd HTTP/JSON gateway on a connection: HTTP/1.1 requests and non-gRPC HTTP/2 streams.
extension Connection {
    static let statusPath = "/clustermesh/v1/status"

    /// Starts a gateway exchange for a request head.
    func beginGateway(method: String, path: String, headers: [(String, String)],
                      transport: GatewayExchange.Transport) -> GatewayExchange {
        let route = GatewayRoute(path: path, method: method)
        if path == Self.statusPath, let status = configuration.statusJSON {
            let exchange = GatewayExchange(work: .status(status), transport: transport,
                                           context: CallContext(principal: principal), acceptEncoding: nil)
            exchange.isHead = method == "HEAD"
            return exchange
        }
        let metadata = GatewayHandler.metadata(fromHeaders: headers)
        let context = CallContext(principal: principal, metadata: metadata)
        let acceptEncoding = headers.first { $0.0.lowercased() == "accept-encoding" }?.1
        let work: GatewayExchange.Work
        switch route {
        case .watch:
            let stream = GatewayWatchStream(server: api, context: context) { [weak self] in self?.schedulePump() }
            work = .watch(stream)
        case .leaseKeepAlive:
            work = .keepAlive(GatewayKeepAliveStream(server: api))
        default:
            work = .unary(route)
        }
        let exchange = GatewayExchange(work: work, transport: transport, context: context, acceptEncoding: acceptEncoding)
        exchange.isHead = method == "HEAD"
        return exchange
    }

    /// Request body bytes for an exchange.
    func gatewayBody(_ exchange: GatewayExchange, _ bytes: [UInt8]) {
        guard !exchange.ended else { return }
        switch exchange.work {
        case .status:
            break
        case .unary:
            if exchange.body.count + bytes.count > configuration.maxReceiveMessageSize {
                gatewayRespond(exchange, .grpcError(EtcdError.requestTooLarge.status))
                return
            }
            exchange.body.append(contentsOf: bytes)
        case .watch(let stream):
            gatewayOutput(exchange, stream.receive(bytes))
            pumpGateway(exchange)
        case .keepAlive(let stream):
            gatewayOutput(exchange, stream.receive(bytes))
        }
    }

    /// The request body is complete.
    func gatewayEnd(_ exchange: GatewayExchange) {
        guard !exchange.ended else { return }
        switch exchange.work {
        case .status(let status):
            let body = status()
            gatewayRespond(exchange, GatewayResponse(
                status: 200, headers: GatewayResponse.corsHeaders + [("Content-Type", "application/json")], body: body))
        case .unary(let route):
            let response = gateway.respond(to: route, body: exchange.body, context: exchange.context,
                                           acceptEncoding: exchange.acceptEncoding)
            gatewayRespond(exchange, response)
        case .watch(let stream):
            // The watch keeps running after the request body ends (etcd half-closes).
            stream.finishInput()
            if !stream.isStarted {
                gatewayRespond(exchange, .grpcError(GRPCStatusShim.emptyStream))
            }
        case .keepAlive(let stream):
            stream.finishInput()
            if !exchange.headSent {
                gatewayRespond(exchange, .grpcError(GRPCStatusShim.emptyStream))
            } else {
                gatewayFinishStream(exchange)
            }
        }
    }

    private func gatewayOutput(_ exchange: GatewayExchange, _ output: GatewayStreamOutput) {
        switch output {
        case .reject(let response):
            gatewayRespond(exchange, response)
        case .chunks(let chunks, let end):
            for c in chunks { gatewayChunk(exchange, c) }
            if end { gatewayFinishStream(exchange) }
        }
    }

    /// Moves pending watch responses out while there is room.
    func pumpGateway(_ exchange: GatewayExchange) {
        guard let stream = exchange.watch, !exchange.ended, stream.isStarted else { return }
        while !hasDeferredEvents, heldBytes < configuration.connectionOutputHighWater {
            if case .http2(let id) = exchange.transport,
               h2.queuedBytes(streamID: id) >= configuration.watchStreamOutputHighWater { break }
            let chunks = stream.takeChunks(max: 64)
            if chunks.isEmpty { break }
            metrics?.watchResponsesSent.increment(by: Int64(chunks.count))
            for c in chunks { gatewayChunk(exchange, c) }
        }
    }

    // MARK: writing through either transport

    /// A complete (non-streaming) response.
    func gatewayRespond(_ exchange: GatewayExchange, _ response: GatewayResponse) {
        guard !exchange.ended else { return }
        exchange.ended = true
        exchange.close()
        switch exchange.transport {
        case .http1(let keepAlive):
            var headers = HTTPHeaders()
            for (n, v) in response.headers { headers.add(n, v) }
            if !keepAlive { headers.add("Connection", "close") }
            let head = HTTPResponseHead(status: response.status, headers: headers)
            // RFC 9110 §9.3.2: a HEAD response has the GET headers (Content-Length included) and
            // no content.
            emit(HTTP1Encoder.encode(head, framing: .contentLength(response.body.count))
                 + (exchange.isHead ? [] : response.body))
            http1ExchangeEnded(exchange, keepAlive: keepAlive)
        case .http2(let id):
            var fields = [HeaderField(name: ":status", value: String(response.status))]
            for (n, v) in response.headers { fields.append(HeaderField(name: n.lowercased(), value: v)) }
            fields.append(HeaderField(name: "content-length", value: String(response.body.count)))
            let body = exchange.isHead ? [] : response.body
            h2.sendHeaders(streamID: id, fields: fields, endStream: body.isEmpty)
            if !body.isEmpty { h2.sendData(streamID: id, bytes: body, endStream: true) }
            gatewayStreams[id] = nil
        }
    }

    private func gatewayHead(_ exchange: GatewayExchange) {
        guard !exchange.headSent else { return }
        exchange.headSent = true
        switch exchange.transport {
        case .http1:
            var headers = HTTPHeaders()
            for (n, v) in GatewayResponse.streamHeaders { headers.add(n, v) }
            emit(HTTP1Encoder.encode(HTTPResponseHead(status: 200, headers: headers), framing: .chunked))
        case .http2(let id):
            var fields = [HeaderField(name: ":status", value: "200")]
            for (n, v) in GatewayResponse.streamHeaders { fields.append(HeaderField(name: n.lowercased(), value: v)) }
            h2.sendHeaders(streamID: id, fields: fields, endStream: false)
        }
    }

    /// One streamed JSON object: its own chunk (etcd3gw parses per chunk).
    private func gatewayChunk(_ exchange: GatewayExchange, _ bytes: [UInt8]) {
        guard !exchange.ended else { return }
        gatewayHead(exchange)
        switch exchange.transport {
        case .http1: emit(HTTP1Encoder.chunk(bytes))
        case .http2(let id): h2.sendData(streamID: id, bytes: bytes, endStream: false)
        }
    }

    private func gatewayFinishStream(_ exchange: GatewayExchange) {
        guard !exchange.ended else { return }
        gatewayHead(exchange)
        exchange.ended = true
        exchange.close()
        switch exchange.transport {
        case .http1(let keepAlive):
            emit(HTTP1Encoder.lastChunk())
            http1ExchangeEnded(exchange, keepAlive: keepAlive)
        case .http2(let id):
            h2.sendData(streamID: id, bytes: [], endStream: true)
            gatewayStreams[id] = nil
        }
    }
}

enum GRPCStatusShim {
    /// grpc-gateway's answer when a streaming request body holds no message.
    static let emptyStream = GRPCStatus(.invalidArgument, "EOF")
}
