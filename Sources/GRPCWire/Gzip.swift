import CZlib

/// Why a gzip payload could not be decompressed.
public enum GzipError: Error, Sendable, Equatable {
    /// The output would exceed `limit` bytes; inflation stopped at `limit + 1`.
    case limitExceeded(limit: Int)
    /// The input ended before the gzip trailer (Go: `unexpected EOF`).
    case truncated
    /// zlib rejected the data (bad header, bad CRC, invalid deflate block...).
    case corrupt(code: Int32, message: String)
    /// zlib could not be initialised (out of memory).
    case initFailed(code: Int32)

    /// Human-readable reason, used in `grpc: failed to decompress the received message: <reason>`.
    public var reason: String {
        switch self {
        case .limitExceeded(let limit): "decompressed size exceeds \(limit) bytes"
        case .truncated: "unexpected EOF"
        case .corrupt(_, let message): message
        case .initFailed(let code): "zlib initialisation failed (\(code))"
        }
    }
}

/// gzip (RFC 1952) via zlib, windowBits 15 + 16.
public enum Gzip {
    /// Compresses `data` into a single gzip member (default level).
    public static func compress(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        let initResult = czlib_deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        guard initResult == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        var produced = 0
        data.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                // deflateBound guarantees one Z_FINISH call suffices; loop defensively anyway.
                while deflate(&stream, Z_FINISH) == Z_OK {}
                produced = output.count - Int(stream.avail_out)
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    /// Decompresses gzip `data` (concatenated members allowed, like Go's `gzip.Reader`),
    /// producing at most `limit` bytes; memory use is bounded by `limit + 1`.
    public static func decompress(_ data: [UInt8], limit: Int) throws(GzipError) -> [UInt8] {
        let limit = max(0, limit)
        var stream = z_stream()
        let initResult = czlib_inflateInit2(&stream, 15 + 16)
        guard initResult == Z_OK else { throw .initFailed(code: initResult) }
        defer { inflateEnd(&stream) }
        guard !data.isEmpty else { throw .truncated }

        var out: [UInt8] = []
        var produced = 0
        var result: Result<Void, GzipError> = .success(())
        data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                // Grow geometrically, never beyond limit + 1 bytes.
                if produced == out.count {
                    let cap = limit + 1
                    if produced >= cap {
                        result = .failure(.limitExceeded(limit: limit))
                        return
                    }
                    let grow = min(cap - produced, max(16 * 1024, min(out.count, 1 << 20), input.count * 2))
                    out.append(contentsOf: repeatElement(0, count: grow))
                }
                let code = out.withUnsafeMutableBufferPointer { output -> Int32 in
                    let space = output.count - produced
                    stream.next_out = output.baseAddress.map { $0 + produced }
                    stream.avail_out = uInt(space)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    produced += space - Int(stream.avail_out)
                    return code
                }
                switch code {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows (RFC 1952 §2.2: a file is a series of members).
                    let reset = inflateReset(&stream)
                    if reset != Z_OK {
                        result = .failure(.corrupt(code: reset, message: "gzip: invalid header"))
                        return
                    }
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 {
                        result = .failure(.truncated)
                        return
                    }
                    // Output full: loop grows (or reports the limit).
                    continue
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                    result = .failure(.corrupt(code: code, message: message))
                    return
                }
            }
        }
        if case .failure(let error) = result { throw error }
        // Output space is limit + 1 bytes so that an over-limit stream is seen even when it ends there.
        guard produced <= limit else { throw .limitExceeded(limit: limit) }
        out.removeSubrange(produced...)
        return out
    }
}
