/// Finds the end of a head (lines up to an empty line, RFC 9112 §2.1) incrementally, enforcing
/// the size and field-count limits while bytes arrive. Accepts CRLF or bare LF line ends
/// (RFC 9112 §2.2).
struct HTTP1HeadScanner {
    /// Line ranges (without CR/LF), relative to the buffer's read index.
    private(set) var lines: [Range<Int>] = []
    private var scanned = 0
    private var lineStart = 0
    /// Empty lines skipped before a request line (RFC 9112 §2.2 SHOULD ignore at least one).
    private var leadingEmptyLines = 0
    static let maxLeadingEmptyLines = 8

    /// `isTrailer`: no start line, zero lines is a valid (empty) section.
    /// Returns the total head length (to consume) once the empty line is found.
    mutating func scan(_ buffer: inout HTTP1InputBuffer, limits: HTTP1Limits, isTrailer: Bool,
                       skipLeadingEmptyLines: Bool) throws(HTTP1Error) -> Int? {
        while let lf = buffer.lineFeed(from: scanned) {
            let lineStart = self.lineStart
            scanned = lf + 1
            self.lineStart = scanned
            if scanned > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
            var lineEnd = lf
            if lineEnd > lineStart && buffer.byte(at: lineEnd - 1) == 0x0D { lineEnd -= 1 }
            if lineEnd == lineStart {
                if lines.isEmpty && !isTrailer {
                    guard skipLeadingEmptyLines else { throw .malformedStatusLine("") }
                    guard leadingEmptyLines < Self.maxLeadingEmptyLines else { throw .malformedRequestLine("") }
                    leadingEmptyLines += 1
                    buffer.consume(scanned)
                    scanned = 0
                    self.lineStart = 0
                    continue
                }
                return scanned
            }
            lines.append(lineStart..<lineEnd)
            if lines.count - (isTrailer ? 0 : 1) > limits.maxHeaders {
                throw .tooManyHeaders(limit: limits.maxHeaders)
            }
        }
        if buffer.readable > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
        scanned = buffer.readable
        return nil
    }

    /// Parses lines `from...` as header fields (RFC 9112 §5).
    func fields(_ buffer: HTTP1InputBuffer, from first: Int) throws(HTTP1Error) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for range in lines.dropFirst(first) {
            let line = buffer.slice(range)
            guard let head = line.first else { continue }
            // RFC 9112 §5.2: obs-fold in a request MUST be rejected (or replaced); we reject.
            if head == 0x20 || head == 0x09 { throw .obsoleteLineFolding }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                throw .malformedHeader(String(decoding: line.prefix(64), as: UTF8.self))
            }
            let name = line[line.startIndex..<colon]
            // RFC 9112 §5.1: no whitespace between name and colon (MUST reject with 400).
            guard name.allSatisfy(HTTP1Syntax.isTokenByte) else {
                throw .malformedHeader(String(decoding: line.prefix(64), as: UTF8.self))
            }
            var value = line[(colon + 1)...]
            while let f = value.first, f == 0x20 || f == 0x09 { value = value.dropFirst() }
            while let l = value.last, l == 0x20 || l == 0x09 { value = value.dropLast() }
            // RFC 9110 §5.5: CR, LF and NUL within a value MUST be rejected (or replaced).
            guard !value.contains(where: { $0 == 0x00 || $0 == 0x0D || $0 == 0x0A }) else {
                throw .malformedHeader(String(decoding: name, as: UTF8.self))
            }
            headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
        }
        return headers
    }
}

enum HTTP1Syntax {
    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }
}
