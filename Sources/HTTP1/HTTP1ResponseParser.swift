/// One step of an incoming response.
public enum HTTP1ResponseEvent: Sendable, Equatable {
    case head(HTTPResponseHead)
    /// A piece of the (de-chunked) body; never empty.
    case body([UInt8])
    /// The response is complete. Interim (1xx) responses yield `.head` then `.end` too.
    case end
}

/// Incremental HTTP/1.1 response parser (RFC 9112), client side; same shape as
/// `HTTP1RequestParser`. Bodies delimited by connection close end at `finish()`.
/// After `101 Switching Protocols` parsing stops; `takeRemainingBytes()` returns what follows.
public struct HTTP1ResponseParser: Sendable {
    /// Limits; the default has no total-body bound because streaming (watch) responses are endless.
    public var limits: HTTP1Limits
    /// Set before the response to a HEAD request arrives: its head carries no body (RFC 9112 §6.3 rule 1).
    /// Reset after each final response head.
    public var nextResponseIsForHEAD = false
    private var buffer = HTTP1InputBuffer()
    private var state: State = .head(HTTP1HeadScanner())
    private var eof = false

    private enum State {
        case head(HTTP1HeadScanner)
        case body(HTTP1BodyDecoder)
        case switched
        case failed(HTTP1Error)
    }

    public init(limits: HTTP1Limits = .init(maxBodyBytes: nil)) {
        self.limits = limits
    }

    public var bufferedByteCount: Int { buffer.readable }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(bytes)
    }

    /// The server closed the connection.
    public mutating func finish() {
        eof = true
    }

    /// Bytes after a `101` response (the upgraded protocol's data).
    public mutating func takeRemainingBytes() -> [UInt8] {
        buffer.takeAll()
    }

    public mutating func next() throws(HTTP1Error) -> HTTP1ResponseEvent? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTP1Error) -> HTTP1ResponseEvent? {
        switch state {
        case .failed(let error):
            throw error
        case .switched:
            return nil
        case .head(var scanner):
            guard let length = try scanner.scan(&buffer, limits: limits, isTrailer: false, skipLeadingEmptyLines: false) else {
                state = .head(scanner)
                if eof && buffer.readable > 0 { throw .truncatedMessage }
                return nil
            }
            let head = try Self.parseHead(scanner, buffer)
            buffer.consume(length)
            if head.status == 101 {
                state = .switched
                return .head(head)
            }
            let framing = try framing(head)
            if head.status >= 200 { nextResponseIsForHEAD = false }
            state = .body(HTTP1BodyDecoder(framing))
            return .head(head)
        case .body(var decoder):
            guard let step = try decoder.next(&buffer, limits: limits, eof: eof) else {
                state = .body(decoder)
                return nil
            }
            switch step {
            case .data(let bytes):
                state = .body(decoder)
                return .body(bytes)
            case .end:
                state = .head(HTTP1HeadScanner())
                return .end
            }
        }
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
    private static func parseHead(_ scanner: HTTP1HeadScanner, _ buffer: HTTP1InputBuffer) throws(HTTP1Error) -> HTTPResponseHead {
        guard let first = scanner.lines.first else { throw .malformedStatusLine("") }
        let line = buffer.slice(first)
        let text = String(decoding: line.prefix(128), as: UTF8.self)
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let version = HTTPVersion(parts[0]) else { throw .malformedStatusLine(text) }
        guard version.major == 1 else { throw .unsupportedVersion(version.description) }
        guard parts[1].count == 3, parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let status = Int(String(decoding: parts[1], as: UTF8.self)), status >= 100 else {
            throw .malformedStatusLine(text)
        }
        let reason = parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : ""
        return HTTPResponseHead(status: status, reason: reason, version: version,
                                headers: try scanner.fields(buffer, from: 1))
    }

    /// Message body length of a response (RFC 9112 §6.3).
    private func framing(_ head: HTTPResponseHead) throws(HTTP1Error) -> HTTP1BodyDecoder.Framing {
        if nextResponseIsForHEAD || head.status < 200 || head.status == 204 || head.status == 304 {
            return .length(0)
        }
        if head.headers.contains("transfer-encoding") {
            // Rule 4: chunked final → chunked; otherwise read until close.
            return head.headers.tokens(for: "transfer-encoding").last == "chunked" ? .chunked : .untilClose
        }
        if let length = try ContentLength.parse(head.headers.values(for: "content-length")) {
            if let limit = limits.maxBodyBytes, length > limit { throw .bodyTooLarge(length: length, limit: limit) }
            return .length(length)
        }
        return .untilClose
    }
}
