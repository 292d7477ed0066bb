import Dispatch
import HTTP1
import Sockets

/// A tiny HTTP/1.1 server for operational endpoints (`/healthz`, `/readyz`, `/metrics`):
/// one request per connection, answered from a handler, then closed. Non-blocking reads and
/// writes on a Dispatch queue; requests are small and bounded.
public final class HTTPEndpointServer: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public typealias Handler = @Sendable (_ method: String, _ path: String) -> Response

    private let handler: Handler
    private let queue = DispatchQueue(label: "endpoint-server")
    private let listener: Listener

    public init(address: SocketAddress, handler: @escaping Handler) throws(SocketError) {
        self.handler = handler
        let queue = self.queue
        listener = try Listener(address: address, queue: queue) { socket, _ in
            EndpointConnection(socket: socket, queue: queue, handler: handler).start()
        }
    }

    public var address: SocketAddress { listener.address }

    public func start() { listener.start() }
    public func stop() { listener.stop() }
}

/// One request on an operational endpoint connection. Runs on the server's queue; the
/// descriptor follows `PollRegistration`'s rule (the registration owns and closes it). The
/// response is written as the socket accepts it (write interest), never by waiting.
private final class EndpointConnection: @unchecked Sendable {
    /// A connection that has not been answered and closed by then is closed.
    static let timeoutSeconds = 10.0

    let socket: Socket
    let queue: DispatchQueue
    let handler: HTTPEndpointServer.Handler
    var parser = HTTP1RequestParser(limits: HTTP1Limits(maxHeadBytes: 8192, maxHeaders: 64, maxBodyBytes: 4096))
    /// Owns the descriptor once `start()` registered it; its handler keeps this object alive
    /// until `close()`.
    var registration: PollRegistration?
    var head: HTTPRequestHead?
    var output: [UInt8] = []
    var offset = 0
    var responding = false
    var closed = false

    init(socket: Socket, queue: DispatchQueue, handler: @escaping HTTPEndpointServer.Handler) {
        self.socket = socket
        self.queue = queue
        self.handler = handler
    }

    /// On `queue` (the listener's accept callback runs there).
    func start() {
        do {
            registration = try EventPoller.shared.register(fd: socket.fd, queue: queue) { [self] events in
                self.onEvents(events)
            }
        } catch {
            closed = true
            socket.close()
            return
        }
        registration?.want(.read)
        queue.asyncAfter(deadline: .now() + Self.timeoutSeconds) { [weak self] in self?.close() }
    }

    private func onEvents(_ events: PollEvents) {
        if closed { return }
        if responding {
            writePending()
        } else if events.readable || events.hangup {
            readable()
        }
    }

    private func readable() {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let result = try? buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
        switch result {
        case .done(let n) where n > 0:
            parser.append(buffer[0..<n])
        case .wouldBlock:
            return
        default:
            close()
            return
        }
        while true {
            let event: HTTP1RequestEvent?
            do {
                event = try parser.next()
            } catch {
                respond(HTTPEndpointServer.Response(status: error.statusCode, body: Array("bad request\n".utf8)))
                return
            }
            guard let event else { return }
            switch event {
            case .head(let h): head = h
            case .body: continue
            case .end:
                let h = head ?? HTTPRequestHead(method: "GET", target: "/")
                respond(handler(h.method, h.path))
                return
            }
        }
    }

    private func respond(_ response: HTTPEndpointServer.Response) {
        var headers = HTTPHeaders()
        headers.add("Content-Type", response.contentType)
        headers.add("Connection", "close")
        output = HTTP1Encoder.encode(HTTPResponseHead(status: response.status, headers: headers),
                                     framing: .contentLength(response.body.count)) + response.body
        responding = true
        registration?.want(.write)
        writePending()
    }

    /// Writes what the socket takes now; closes once everything is written or on an error.
    private func writePending() {
        while offset < output.count {
            let r = try? output.withUnsafeBytes { raw in try socket.write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            switch r {
            case .done(let n): offset += n
            case .wouldBlock: return  // the registration re-arms .write
            default: offset = output.count  // the client is gone
            }
        }
        close()
    }

    private func close() {
        if closed { return }
        closed = true
        if let registration {
            registration.close()
        } else {
            socket.close()
        }
        registration = nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
