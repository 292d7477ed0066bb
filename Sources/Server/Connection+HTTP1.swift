import EtcdAPI
import HTTP1

/// HTTP/1.1 on a connection: the JSON gateway, `/version`, `/health` (etcd's `net/http` side).
/// One request at a time; a streaming response (watch) holds the connection until it ends.
extension Connection {
    func receivedHTTP1(_ bytes: ArraySlice<UInt8>) {
        http1Parser.append(bytes)
        drainHTTP1()
    }

    func drainHTTP1() {
        while case .http1 = proto {
            if let exchange = http1Exchange {
                if exchange.ended {
                    http1Exchange = nil
                } else if http1RequestComplete {
                    return  // the response is still streaming; pipelined requests wait
                }
            }
            let event: HTTP1RequestEvent?
            do {
                event = try http1Parser.next()
            } catch {
                http1Fail(error.statusCode)
                return
            }
            guard let event else { return }
            switch event {
            case .head(let head):
                http1RequestComplete = false
                let headers = head.headers.map { ($0.name, $0.value) }
                let exchange = beginGateway(method: head.method, path: head.path, headers: headers,
                                            transport: .http1(keepAlive: head.keepAlive))
                if case .unary = exchange.work {} else {
                    // Streaming request bodies are unbounded in total (each JSON object is bounded).
                    http1Parser.limits.maxBodyBytes = nil
                }
                http1Exchange = exchange
            case .body(let bytes):
                if let exchange = http1Exchange { gatewayBody(exchange, bytes) }
            case .end:
                http1RequestComplete = true
                http1Parser.limits.maxBodyBytes = HTTP1Limits().maxBodyBytes
                if let exchange = http1Exchange { gatewayEnd(exchange) }
            }
        }
    }

    /// Called when an HTTP/1.1 response is complete.
    func http1ExchangeEnded(_ exchange: GatewayExchange, keepAlive: Bool) {
        if http1Exchange === exchange { http1Exchange = nil }
        if !keepAlive { closeAfterFlush = true }
    }

    private func http1Fail(_ status: Int) {
        let body = Array("\(HTTPStatus.reasonPhrase(status))\n".utf8)
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/plain; charset=utf-8")
        headers.add("Connection", "close")
        emit(HTTP1Encoder.encode(HTTPResponseHead(status: status, headers: headers), framing: .contentLength(body.count)) + body)
        http1Exchange?.close()
        http1Exchange = nil
        proto = .closed
        closeAfterFlush = true
    }
}
