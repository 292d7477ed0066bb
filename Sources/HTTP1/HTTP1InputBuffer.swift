/// Unconsumed input bytes with a read cursor; compaction happens only on `append`, so offsets
/// relative to `readIndex` stay valid between appends.
struct HTTP1InputBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var readIndex = 0

    var readable: Int { bytes.count - readIndex }

    mutating func append<C: Collection>(_ data: C) where C.Element == UInt8 {
        if readIndex > 0 {
            if readIndex == bytes.count {
                bytes.removeAll(keepingCapacity: true)
                readIndex = 0
            } else if readIndex >= 4096 && readIndex * 2 >= bytes.count {
                bytes.removeSubrange(0..<readIndex)
                readIndex = 0
            }
        }
        bytes.append(contentsOf: data)
    }

    /// Offset (from `readIndex`) of the first LF at or after `from`, or nil.
    func lineFeed(from offset: Int) -> Int? {
        let start = readIndex + offset
        guard start < bytes.count else { return nil }
        return bytes[start...].firstIndex(of: 0x0A).map { $0 - readIndex }
    }

    /// The bytes at offsets `range` (relative to `readIndex`).
    func slice(_ range: Range<Int>) -> ArraySlice<UInt8> {
        bytes[(readIndex + range.lowerBound)..<(readIndex + range.upperBound)]
    }

    func byte(at offset: Int) -> UInt8 {
        bytes[readIndex + offset]
    }

    mutating func consume(_ n: Int) {
        readIndex += n
    }

    /// Takes up to `max` bytes.
    mutating func take(max: Int) -> [UInt8] {
        let n = min(max, readable)
        let out = Array(bytes[readIndex..<(readIndex + n)])
        readIndex += n
        return out
    }

    mutating func takeAll() -> [UInt8] {
        take(max: readable)
    }
}
