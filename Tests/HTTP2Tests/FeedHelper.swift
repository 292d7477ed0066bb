/// How a byte stream is chopped before being fed to an incremental decoder.
enum FeedMode: CaseIterable, CustomStringConvertible, Sendable {
    case whole
    case byteByByte
    case randomSplits

    var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "byte by byte"
        case .randomSplits: "random splits"
        }
    }

    /// The chunks `bytes` is fed in under this mode (random splits are deterministic per seed).
    func chunks(of bytes: [UInt8], seed: UInt64 = 0x5EED) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole:
            return [bytes[...]]
        case .byteByByte:
            return bytes.indices.map { bytes[$0...$0] }
        case .randomSplits:
            var generator = TestRandom(seed: seed &+ UInt64(bytes.count))
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let length = 1 + Int(generator.next() % 23)
                let end = min(start + length, bytes.count)
                chunks.append(bytes[start..<end])
                start = end
            }
            return chunks
        }
    }
}

/// Runs `body` once per feed mode with the chunks to feed.
func forEachFeedMode(
    _ bytes: [UInt8], _ body: (FeedMode, [ArraySlice<UInt8>]) throws -> Void
) rethrows {
    for mode in FeedMode.allCases {
        try body(mode, mode.chunks(of: bytes))
    }
}

/// Deterministic PRNG (SplitMix64) for reproducible tests.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Parses a hex string (whitespace allowed).
func hex(_ string: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for scalar in string.unicodeScalars {
        guard let nibble = UInt8(String(scalar), radix: 16) else { continue }
        if let h = high {
            bytes.append(h << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return bytes
}
