/// Reassembles gRPC length-prefixed messages from DATA frame payloads.
///
/// ### Overview
/// Feed bytes with `append(_:)` as DATA frames arrive, then call `next()` until it returns `nil`
/// ("need more bytes"). Messages may span frames and several may share one frame.
///
/// ### Limits
/// The declared length is checked against `maxMessageSize` as soon as the 5-byte prefix is
/// complete, before any payload is kept: an oversized message costs no memory, `append` drops
/// further bytes and every later `next()` rethrows the same error. Decompressed payloads are
/// bounded by `maxMessageSize` too (inflation stops at `maxMessageSize + 1` bytes).
///
/// Error texts and codes are those of grpc-go's `recvAndDecompress` / `checkRecvPayload`.
public struct GRPCMessageDeframer: Sendable {
    /// Largest accepted message, before and after decompression (grpc-go default 4 MiB; etcd 2 MiB).
    public let maxMessageSize: Int
    /// The request's `grpc-encoding` normalised: `nil` for absent or `identity`.
    public let encoding: String?

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Validated prefix of the message currently being accumulated.
    private var pending: (compressed: Bool, length: Int)?
    private var failure: GRPCStatus?

    /// - Parameters:
    ///   - maxMessageSize: receive limit in bytes.
    ///   - encoding: the request's `grpc-encoding` header value (`nil`/`"identity"` = none).
    public init(maxMessageSize: Int = 2 * 1024 * 1024, encoding: String?) {
        self.maxMessageSize = max(0, maxMessageSize)
        if let encoding, !encoding.isEmpty, encoding != "identity" {
            self.encoding = encoding
        } else {
            self.encoding = nil
        }
    }

    /// Encodings this deframer can decompress (besides identity).
    public static let supportedEncodings: Set<String> = ["gzip"]

    /// grpc-go servers reject an unknown `grpc-encoding` when the RPC starts, before reading any
    /// message (`processUnaryRPC`/`processStreamingRPC`). Returns that status, or `nil` if the
    /// encoding is absent, `identity` or supported. Optional: the deframer itself only fails
    /// when a compressed message actually arrives.
    public static func checkEncoding(_ encoding: String?) -> GRPCStatus? {
        guard let encoding, !encoding.isEmpty, encoding != "identity", !supportedEncodings.contains(encoding) else {
            return nil
        }
        return GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \(goQuoted(encoding))")
    }

    /// True when buffered bytes do not form a complete message. A stream that ends (END_STREAM)
    /// in this state carries a truncated message: grpc-go reports `.internalError`.
    public var hasPartialMessage: Bool {
        failure == nil && (pending != nil || buffer.count > readIndex)
    }

    /// Number of bytes currently held (for accounting/metrics).
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes. After an error has been detected the bytes are discarded.
    public mutating func append(_ bytes: [UInt8]) {
        append(bytes[...])
    }

    /// Appends received bytes. After an error has been detected the bytes are discarded.
    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        guard failure == nil, !bytes.isEmpty else { return }
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        if pending == nil {
            // Only take as much as needed to validate the prefix first (bounded memory).
            let need = GRPCMessageFramer.prefixLength - (buffer.count - readIndex)
            if need > 0 && bytes.count > need {
                let split = bytes.startIndex + need
                buffer.append(contentsOf: bytes[..<split])
                parsePrefix()
                append(bytes[split...])
                return
            }
        }
        buffer.append(contentsOf: bytes)
        if pending == nil { parsePrefix() }
    }

    /// Returns the next complete (decompressed) message, or `nil` if more bytes are needed.
    public mutating func next() throws(GRPCStatus) -> [UInt8]? {
        if let failure { throw failure }
        if pending == nil { parsePrefix() }
        if let failure { throw failure }
        guard let (compressed, length) = pending, buffer.count - readIndex >= length else { return nil }
        let payload = Array(buffer[readIndex..<(readIndex + length)])
        readIndex += length
        pending = nil
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            readIndex = 0
        }
        parsePrefix()
        guard compressed else { return payload }
        do {
            return try decompress(payload)
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Private

    /// Reads and validates a prefix if 5 bytes are available and none is pending.
    private mutating func parsePrefix() {
        guard pending == nil, failure == nil, buffer.count - readIndex >= GRPCMessageFramer.prefixLength else {
            return
        }
        let i = readIndex
        let flag = buffer[i]
        let length = Int(buffer[i + 1]) << 24 | Int(buffer[i + 2]) << 16 | Int(buffer[i + 3]) << 8 | Int(buffer[i + 4])
        readIndex += GRPCMessageFramer.prefixLength
        // grpc-go parser.recvMsg checks the length before reading the payload, then
        // checkRecvPayload checks the flag against grpc-encoding.
        if length > maxMessageSize {
            fail(GRPCStatus(.resourceExhausted, "grpc: received message larger than max (\(length) vs. \(maxMessageSize))"))
            return
        }
        switch flag {
        case 0:
            break
        case 1:
            // grpc-go checkRecvPayload: flag 1 needs a real grpc-encoding.
            guard let encoding else {
                fail(GRPCStatus(.internalError, "grpc: compressed flag set with identity or empty encoding"))
                return
            }
            guard encoding == "gzip" else {
                fail(GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \(Self.goQuoted(encoding))"))
                return
            }
        default:
            fail(GRPCStatus(.internalError, "grpc: received unexpected payload format \(flag)"))
            return
        }
        pending = (flag == 1, length)
    }

    private mutating func fail(_ status: GRPCStatus) {
        failure = status
        pending = nil
        buffer = []
        readIndex = 0
    }

    private func decompress(_ payload: [UInt8]) throws(GRPCStatus) -> [UInt8] {
        // grpc-go asks the gzip decompressor for the size recorded in the trailer (ISIZE) first.
        if payload.count >= 4 {
            let n = payload.count
            let isize = Int(payload[n - 1]) << 24 | Int(payload[n - 2]) << 16 | Int(payload[n - 3]) << 8 | Int(payload[n - 4])
            if isize > maxMessageSize {
                throw GRPCStatus(.resourceExhausted, afterDecompressionMessage(isize))
            }
        }
        do {
            return try Gzip.decompress(payload, limit: maxMessageSize)
        } catch {
            switch error {
            case .limitExceeded:
                throw GRPCStatus(.resourceExhausted, afterDecompressionMessage(maxMessageSize + 1))
            default:
                throw GRPCStatus(.internalError, "grpc: failed to decompress the received message: \(error.reason)")
            }
        }
    }

    /// Go's `%q` for the printable ASCII a header value holds; other bytes as `\\xNN`.
    private static func goQuoted(_ value: String) -> String {
        var out = "\""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append("\\")
                out.append(Character(Unicode.Scalar(byte)))
            case 0x20...0x7E:
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = Array("0123456789abcdef")
                out.append("\\x")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        out.append("\"")
        return out
    }

    private func afterDecompressionMessage(_ size: Int) -> String {
        "grpc: received message after decompression larger than max (\(size) vs. \(maxMessageSize))"
    }
}
