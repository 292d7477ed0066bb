#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTP1
import TLS

/// Timeouts for API requests.
public struct KubeTimeouts: Sendable, Equatable {
    /// TCP connect (per address) and TLS handshake steps.
    public var connect: Duration
    /// Longest silence while waiting for (part of) a non-streaming response.
    public var read: Duration

    public init(connect: Duration = .seconds(10), read: Duration = .seconds(60)) {
        self.connect = connect
        self.read = read
    }
}

/// A complete (bounded) response.
public struct KubeResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
}

/// A blocking HTTP/1.1 client for the Kubernetes API over our own sockets and TLS engine: one
/// connection per request (`Connection: close`), bearer-token or client-certificate auth.
/// Thread-safe: the configuration and TLS context are immutable; each call uses its own socket.
public final class KubeHTTPClient: Sendable {
    public let config: KubeConfig
    public let timeouts: KubeTimeouts
    private let tls: TLSClientContext?
    /// Bound on an error body kept for the message.
    static let maxErrorBody = 64 * 1024

    public init(config: KubeConfig, timeouts: KubeTimeouts = KubeTimeouts()) throws(KubeClientError) {
        self.config = config
        self.timeouts = timeouts
        if config.server.secure {
            tls = try Self.makeTLSContext(config)
        } else {
            tls = nil
        }
    }

    /// GET `target` (path and query, without the server's path prefix); the body is bounded by
    /// `maxBodyBytes`. Non-2xx answers throw `.status`.
    public func get(_ target: String, maxBodyBytes: Int, stop: KubeStopSignal? = nil) throws(KubeClientError) -> KubeResponse {
        let connection = try open(target, stop: stop)
        var parser = HTTP1ResponseParser(limits: HTTP1Limits(maxBodyBytes: maxBodyBytes))
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        while true {
            switch try next(&parser, connection, idle: timeouts.read) {
            case .head(let h):
                if h.status >= 200 { head = h }
            case .body(let bytes):
                guard body.count + bytes.count <= maxBodyBytes else { throw .tooLarge(limit: maxBodyBytes) }
                body.append(contentsOf: bytes)
            case .end:
                guard let head else { continue }
                guard (200..<300).contains(head.status) else { throw Self.statusError(head, body) }
                return KubeResponse(status: head.status, headers: head.headers, body: body)
            }
        }
    }

    /// GET a streaming `target` (a watch): hands each group of complete lines read together to
    /// `onLines`, which returns false to stop. Returns when the server ends the response or
    /// closes, or `onLines` asks to stop. `idleTimeout` bounds silence between reads.
    /// Non-2xx answers throw `.status`.
    public func stream(
        _ target: String, idleTimeout: Duration, maxLineBytes: Int, stop: KubeStopSignal? = nil,
        onLines: ([[UInt8]]) -> Bool
    ) throws(KubeClientError) {
        let connection = try open(target, stop: stop)
        var parser = HTTP1ResponseParser(limits: HTTP1Limits(maxBodyBytes: nil))
        var head: HTTPResponseHead?
        var errorBody: [UInt8] = []
        var splitter = KubeLineSplitter(maxLineBytes: maxLineBytes)
        while true {
            let event: HTTP1ResponseEvent
            do {
                event = try next(&parser, connection, idle: idleTimeout)
            } catch {
                // A watch cut in the middle of a chunk is an ordinary end of stream for the caller.
                if error == .connectionClosed || error == .http(.truncatedMessage), head != nil { return }
                throw error
            }
            switch event {
            case .head(let h):
                if h.status >= 200 { head = h }
            case .body(let bytes):
                guard let head else { continue }
                if !(200..<300).contains(head.status) {
                    if errorBody.count < Self.maxErrorBody { errorBody.append(contentsOf: bytes.prefix(Self.maxErrorBody)) }
                    continue
                }
                let lines = try splitter.append(bytes)
                if !lines.isEmpty && !onLines(lines) { return }
            case .end:
                guard let head else { continue }
                guard (200..<300).contains(head.status) else { throw Self.statusError(head, errorBody) }
                if let last = splitter.finish() { _ = onLines([last]) }
                return
            }
        }
    }

    // MARK: - Internals

    private func open(_ target: String, stop: KubeStopSignal?) throws(KubeClientError) -> KubeConnection {
        let request = try encodeRequest(target)
        let connection = try KubeConnection.open(
            host: config.server.host, port: config.server.port, tls: tls, serverName: config.tlsServerName,
            timeout: timeouts.connect, stop: stop)
        try connection.write(request, timeout: timeouts.connect)
        return connection
    }

    /// The next parser event, reading from the connection as needed.
    private func next(_ parser: inout HTTP1ResponseParser, _ connection: KubeConnection, idle: Duration) throws(KubeClientError) -> HTTP1ResponseEvent {
        while true {
            do {
                if let event = try parser.next() { return event }
            } catch {
                throw .http(error)
            }
            guard let bytes = try connection.read(idleTimeout: idle) else {
                parser.finish()
                do {
                    if let event = try parser.next() { return event }
                } catch {
                    throw .http(error)
                }
                throw .connectionClosed
            }
            parser.append(bytes)
        }
    }

    func encodeRequest(_ target: String) throws(KubeClientError) -> [UInt8] {
        var headers: HTTPHeaders = [
            ("Host", config.server.authority),
            ("User-Agent", "clustermesh-apiserver-swift"),
            ("Accept", "application/json"),
            ("Connection", "close"),
        ]
        if let token = try bearerToken() { headers.add("Authorization", "Bearer \(token)") }
        let head = HTTPRequestHead(method: "GET", target: config.server.pathPrefix + target, headers: headers)
        return HTTP1Encoder.encode(head, framing: .none)
    }

    /// The token file's current content (it rotates), else the inline token.
    func bearerToken() throws(KubeClientError) -> String? {
        if let path = config.tokenPath {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let token = text.trimmedWhitespace
                if !token.isEmpty { return token }
            }
            if config.token == nil { throw .configuration("cannot read token file \(path)") }
        }
        return config.token
    }

    static func statusError(_ head: HTTPResponseHead, _ body: [UInt8]) -> KubeClientError {
        var message = ""
        var reason = ""
        if let root = try? KubeJSONScanner.value(body), let members = try? KubeJSONScanner.members(body, root) {
            for (key, value) in members {
                if key == "message" { message = (try? KubeJSONScanner.string(body, value)) ?? nil ?? "" }
                if key == "reason" { reason = (try? KubeJSONScanner.string(body, value)) ?? nil ?? "" }
            }
        } else {
            message = String(decoding: body.prefix(256), as: UTF8.self)
        }
        return .status(code: head.status, reason: reason.isEmpty ? head.reason : reason, message: message)
    }
}
