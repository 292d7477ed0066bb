/// Splits a byte stream into consecutive top-level JSON values (whitespace separated), as Go's
/// `json.Decoder` reads a streaming request body. Each byte is scanned once; only the value in
/// progress is buffered, bounded by `maxObjectBytes`. Syntax is checked later, per value.
struct GatewayJSONSplitter {
    private(set) var buffer: [UInt8] = []
    private var start = 0
    private var scan = 0
    private var depth = 0
    private var started = false
    private var inString = false
    private var escaped = false
    private var scalar = false
    private var eof = false
    let maxObjectBytes: Int

    init(maxObjectBytes: Int) {
        self.maxObjectBytes = maxObjectBytes
    }

    /// A value has begun but is not complete.
    var hasPartialValue: Bool { started }

    /// Appends bytes; ranges returned earlier become invalid.
    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && (start == buffer.count || start >= 4096) {
            buffer.removeSubrange(0..<start)
            scan -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// No more input: a pending top-level scalar ends here.
    mutating func finish() {
        eof = true
    }

    /// The range of the next complete value, or nil when more input is needed.
    mutating func nextRange() throws(GatewayDecodeError) -> Range<Int>? {
        while scan < buffer.count {
            let b = buffer[scan]
            if !started {
                if Self.isWhitespace(b) {
                    scan += 1
                    start = scan
                    continue
                }
                started = true
                start = scan
                scan += 1
                switch b {
                case 0x7B, 0x5B: depth = 1
                case 0x22: inString = true
                default: scalar = true
                }
                continue
            }
            if scan - start >= maxObjectBytes {
                throw .tooLarge(size: scan - start + 1, limit: maxObjectBytes)
            }
            if inString {
                if escaped {
                    escaped = false
                } else if b == 0x5C {
                    escaped = true
                } else if b == 0x22 {
                    inString = false
                    if depth == 0 { return complete(at: scan + 1) }
                }
                scan += 1
                continue
            }
            if scalar {
                if Self.isWhitespace(b) || b == 0x7B || b == 0x5B || b == 0x22 || b == 0x2C || b == 0x7D || b == 0x5D {
                    return complete(at: scan)
                }
                scan += 1
                continue
            }
            switch b {
            case 0x22: inString = true
            case 0x7B, 0x5B: depth += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 { return complete(at: scan + 1) }
            default: break
            }
            scan += 1
        }
        if eof && started && scalar { return complete(at: scan) }
        return nil
    }

    private mutating func complete(at end: Int) -> Range<Int> {
        let range = start..<end
        scan = end
        start = end
        started = false
        scalar = false
        depth = 0
        return range
    }

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
}
