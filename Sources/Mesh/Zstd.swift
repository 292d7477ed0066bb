import CZstd

/// Why a zstd frame could not be produced or read.
public enum ZstdError: Error, Equatable, Sendable, CustomStringConvertible {
    case compressionFailed(String)
    /// Not a valid zstd frame (bad magic, corrupt block, checksum mismatch).
    case corrupt(String)
    /// The input ended inside a frame.
    case truncated
    /// The decompressed data would exceed `limit` bytes.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .compressionFailed(let reason): "zstd compression failed: \(reason)"
        case .corrupt(let reason): "invalid zstd data: \(reason)"
        case .truncated: "invalid zstd data: truncated frame"
        case .tooLarge(let limit): "zstd data decompresses to more than \(limit) bytes"
        }
    }
}

/// RFC 8878 Zstandard through libzstd: one-shot compression and bounded streaming
/// decompression (pure: no I/O). Cilium stores `ClusterEndpointSlice` values as one zstd frame
/// (`klauspost/compress/zstd` `EncodeAll`, default level); any conforming frame decodes the same,
/// so the compressed bytes may differ between implementations, the content may not.
public enum Zstd {
    /// libzstd's default level (`ZSTD_CLEVEL_DEFAULT`), close to klauspost's `SpeedDefault`.
    public static let defaultLevel: Int32 = 3

    /// Upstream readers refuse frames that decode to more than 16 MiB
    /// (`endpointslice.go` `maxDecodeSize`); so do we.
    public static let defaultMaxDecodedBytes = 16 << 20

    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws(ZstdError) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        if ZSTD_isError(written) != 0 { throw .compressionFailed(errorName(written)) }
        out.removeSubrange(written...)
        return out
    }

    /// Decodes every frame in `input` (concatenated frames are joined, as `DecodeAll` does);
    /// fails once the output would pass `maxBytes`, on corrupt data, and on a truncated frame.
    public static func decompress(_ input: [UInt8], maxBytes: Int = defaultMaxDecodedBytes) throws(ZstdError) -> [UInt8] {
        guard !input.isEmpty else { throw .truncated }
        guard let context = ZSTD_createDCtx() else { throw .corrupt("cannot allocate a decompression context") }
        defer { ZSTD_freeDCtx(context) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(max(ZSTD_DStreamOutSize(), 4096), maxBytes + 1))
        var pending = 1  // > 0: a frame is open (or none started yet)
        var failure: Int?
        var overflow = false
        input.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while failure == nil && !overflow {
                var produced = 0
                let consumedBefore = inBuffer.pos
                chunk.withUnsafeMutableBytes { dst in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let r = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    if ZSTD_isError(r) != 0 { failure = r } else { pending = r }
                    produced = outBuffer.pos
                }
                if failure != nil { return }
                guard out.count + produced <= maxBytes else {
                    overflow = true
                    return
                }
                out.append(contentsOf: chunk[0..<produced])
                let inputLeft = inBuffer.pos < inBuffer.size
                // Done: every frame complete and flushed, and no input left (more frames otherwise).
                if pending == 0 && !inputLeft { return }
                // No progress with the input used up: the frame needs bytes we do not have.
                if !inputLeft && produced == 0 && inBuffer.pos == consumedBefore { return }
            }
        }
        if overflow { throw .tooLarge(limit: maxBytes) }
        if let failure { throw .corrupt(errorName(failure)) }
        guard pending == 0 else { throw .truncated }
        return out
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: ZSTD_getErrorName(code))
    }
}
