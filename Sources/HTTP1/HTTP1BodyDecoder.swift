/// Decodes one message body from the input buffer: fixed length, chunked (RFC 9112 §7.1) or
/// until the connection closes (responses only, RFC 9112 §6.3 rule 8).
struct HTTP1BodyDecoder {
    enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    enum Step: Equatable {
        case data([UInt8])
        case end
    }

    private enum State {
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(HTTP1HeadScanner)
        case untilClose
        case done
    }

    private var state: State
    private var received = 0

    init(_ framing: Framing) {
        switch framing {
        case .length(let n): state = n == 0 ? .done : .length(remaining: n)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    /// The next piece of body or `.end`; nil when more input is needed. `eof`: no more input will come.
    mutating func next(_ buffer: inout HTTP1InputBuffer, limits: HTTP1Limits, eof: Bool) throws(HTTP1Error) -> Step? {
        while true {
            switch state {
            case .done:
                return .end
            case .length(let remaining):
                guard buffer.readable > 0 else {
                    if eof { throw .truncatedMessage }
                    return nil
                }
                let data = buffer.take(max: remaining)
                state = remaining == data.count ? .done : .length(remaining: remaining - data.count)
                return .data(data)
            case .untilClose:
                if buffer.readable > 0 {
                    let data = buffer.takeAll()
                    try count(data.count, limits)
                    return .data(data)
                }
                if eof {
                    state = .done
                    return .end
                }
                return nil
            case .chunkSize:
                guard let lf = buffer.lineFeed(from: 0) else {
                    if buffer.readable > limits.maxChunkLineBytes { throw .malformedChunk("chunk size line too long") }
                    if eof { throw .truncatedMessage }
                    return nil
                }
                guard lf < limits.maxChunkLineBytes else { throw .malformedChunk("chunk size line too long") }
                let size = try Self.chunkSize(buffer.slice(0..<lf))
                buffer.consume(lf + 1)
                if size == 0 {
                    state = .trailers(HTTP1HeadScanner())
                } else {
                    try count(size, limits)
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                guard buffer.readable > 0 else {
                    if eof { throw .truncatedMessage }
                    return nil
                }
                let data = buffer.take(max: remaining)
                state = remaining == data.count ? .chunkDataEnd : .chunkData(remaining: remaining - data.count)
                return .data(data)
            case .chunkDataEnd:
                // CRLF after chunk data (bare LF tolerated, RFC 9112 §2.2).
                guard buffer.readable >= 1 else {
                    if eof { throw .truncatedMessage }
                    return nil
                }
                if buffer.byte(at: 0) == 0x0A {
                    buffer.consume(1)
                } else if buffer.byte(at: 0) == 0x0D {
                    guard buffer.readable >= 2 else {
                        if eof { throw .truncatedMessage }
                        return nil
                    }
                    guard buffer.byte(at: 1) == 0x0A else { throw .malformedChunk("missing CRLF after chunk data") }
                    buffer.consume(2)
                } else {
                    throw .malformedChunk("missing CRLF after chunk data")
                }
                state = .chunkSize
            case .trailers(var scanner):
                // Trailer fields are read (bounded like a head) and discarded.
                guard let length = try scanner.scan(&buffer, limits: limits, isTrailer: true, skipLeadingEmptyLines: false) else {
                    state = .trailers(scanner)
                    if eof { throw .truncatedMessage }
                    return nil
                }
                _ = try scanner.fields(buffer, from: 0)
                buffer.consume(length)
                state = .done
                return .end
            }
        }
    }

    private mutating func count(_ n: Int, _ limits: HTTP1Limits) throws(HTTP1Error) {
        let (sum, overflow) = received.addingReportingOverflow(n)
        if overflow { throw .bodyTooLarge(length: Int.max, limit: limits.maxBodyBytes ?? Int.max) }
        received = sum
        if let limit = limits.maxBodyBytes, received > limit { throw .bodyTooLarge(length: received, limit: limit) }
    }

    /// chunk-size [ chunk-ext ] (RFC 9112 §7.1.1: extensions are ignored).
    static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTP1Error) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let v = hexValue(line[index]) {
            guard digits < 15 else { throw .malformedChunk("chunk size too large") }
            size = size << 4 | v
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw .malformedChunk("invalid chunk size") }
        var rest = line[index...]
        if rest.last == 0x0D { rest = rest.dropLast() }
        while let f = rest.first, f == 0x20 || f == 0x09 { rest = rest.dropFirst() }
        guard rest.isEmpty || rest.first == 0x3B else { throw .malformedChunk("invalid chunk size") }
        return size
    }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }
}
