/// One step of an incoming request.
public enum HTTP1RequestEvent: Sendable, Equatable {
    case head(HTTPRequestHead)
    /// A piece of the (de-chunked) body; never empty.
    case body([UInt8])
    /// The request is complete; the next event belongs to the next (pipelined) request.
    case end
}

/// Incremental HTTP/1.1 request parser (RFC 9112), server side.
///
/// Feed bytes with `append`, then call `next()` until it returns nil (needs more input). Each
/// request yields `.head`, zero or more `.body`, then `.end`. Pipelined requests follow one
/// another; a consumer that wants one request at a time simply stops calling `next()`.
/// After an error the parser stays failed (the connection must be closed after answering
/// `error.statusCode`).
public struct HTTP1RequestParser: Sendable {
    /// Limits; `maxBodyBytes` may be changed after `.head` (e.g. raised for streaming endpoints)
    /// and applies to the current body from then on.
    public var limits: HTTP1Limits
    private var buffer = HTTP1InputBuffer()
    private var state: State = .head(HTTP1HeadScanner())
    private var eof = false

    private enum State {
        case head(HTTP1HeadScanner)
        case body(HTTP1BodyDecoder)
        case failed(HTTP1Error)
    }

    public init(limits: HTTP1Limits = .init()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by `next()`.
    public var bufferedByteCount: Int { buffer.readable }

    /// True between requests with nothing buffered: the connection can be closed cleanly.
    public var isIdle: Bool {
        if case .head = state { return buffer.readable == 0 }
        return false
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(bytes)
    }

    /// The peer closed its sending side; a request cut short then fails with `.truncatedMessage`.
    public mutating func finish() {
        eof = true
    }

    public mutating func next() throws(HTTP1Error) -> HTTP1RequestEvent? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTP1Error) -> HTTP1RequestEvent? {
        switch state {
        case .failed(let error):
            throw error
        case .head(var scanner):
            guard let length = try scanner.scan(&buffer, limits: limits, isTrailer: false, skipLeadingEmptyLines: true) else {
                state = .head(scanner)
                if eof && buffer.readable > 0 { throw .truncatedMessage }
                return nil
            }
            let head = try Self.parseHead(scanner, buffer)
            let framing = try Self.framing(head, limits)
            buffer.consume(length)
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

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
    private static func parseHead(_ scanner: HTTP1HeadScanner, _ buffer: HTTP1InputBuffer) throws(HTTP1Error) -> HTTPRequestHead {
        guard let first = scanner.lines.first else { throw .malformedRequestLine("") }
        let line = buffer.slice(first)
        let text = { String(decoding: line.prefix(128), as: UTF8.self) }
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(HTTP1Syntax.isTokenByte),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformedRequestLine(text())
        }
        guard let version = HTTPVersion(parts[2]) else {
            if parts[2].starts(with: Array("HTTP/".utf8)) { throw .unsupportedVersion(text()) }
            throw .malformedRequestLine(text())
        }
        guard version.major == 1 else { throw .unsupportedVersion(version.description) }
        let headers = try scanner.fields(buffer, from: 1)
        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request lacking Host or with several.
        if version.minor >= 1 && headers.values(for: "host").count != 1 { throw .invalidHost }
        if headers.values(for: "host").count > 1 { throw .invalidHost }
        return HTTPRequestHead(
            method: String(decoding: parts[0], as: UTF8.self),
            target: String(decoding: parts[1], as: UTF8.self),
            version: version, headers: headers)
    }

    /// Message body length of a request (RFC 9112 §6.3 rules 3–6).
    private static func framing(_ head: HTTPRequestHead, _ limits: HTTP1Limits) throws(HTTP1Error) -> HTTP1BodyDecoder.Framing {
        let hasTE = head.headers.contains("transfer-encoding")
        let lengths = head.headers.values(for: "content-length")
        if hasTE {
            // RFC 9112 §6.1: a server MAY reject TE + CL; we do (request smuggling).
            guard lengths.isEmpty else { throw .conflictingFraming }
            guard head.version == .http1_1 || head.version.minor > 1 else { throw .chunkedInHTTP10 }
            let codings = head.headers.tokens(for: "transfer-encoding")
            // Only a single `chunked` is supported; chunked not last → 400, unknown coding → 501.
            guard codings.last == "chunked" else { throw .malformedHeader("transfer-encoding") }
            guard codings.count == 1 else {
                throw .unsupportedTransferEncoding(head.headers.values(for: "transfer-encoding").joined(separator: ", "))
            }
            return .chunked
        }
        guard let length = try ContentLength.parse(lengths) else { return .length(0) }
        if let limit = limits.maxBodyBytes, length > limit { throw .bodyTooLarge(length: length, limit: limit) }
        return .length(length)
    }
}

enum ContentLength {
    /// RFC 9110 §8.6: 1*DIGIT; a list of identical values is accepted as one, differing values are an error.
    static func parse(_ values: [String]) throws(HTTP1Error) -> Int? {
        var result: Int?
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = part.trimmingOWS()
                guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      let n = Int(digits) else {
                    throw .invalidContentLength(value)
                }
                if let r = result, r != n { throw .invalidContentLength(values.joined(separator: ", ")) }
                result = n
            }
        }
        return result
    }
}
