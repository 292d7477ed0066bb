/// A half-open key interval `[start, end)`; `end == nil` means unbounded.
///
/// etcd's conventions (etcd-v3-api.md §1.4) map onto it: an empty range end is the single key
/// `[key, key + "\0")`, a range end of `"\0"` is every key `>= key`.
struct KeySpan: Hashable {
    var start: [UInt8]
    var end: [UInt8]?

    /// Applies etcd's range-end conventions.
    init(key: [UInt8], rangeEnd: [UInt8]) {
        start = key
        if rangeEnd.isEmpty {
            end = key + [0]
        } else if rangeEnd == [0] {
            end = nil
        } else {
            end = rangeEnd
        }
    }

    init(start: [UInt8], end: [UInt8]?) {
        self.start = start
        self.end = end
    }

    /// True when no key can lie inside.
    var isEmpty: Bool {
        guard let end else { return false }
        return compareBytes(end, start) <= 0
    }

    /// True when the span holds exactly `start` (its end is `start + "\0"`).
    var isSingleKey: Bool {
        guard let end, end.count == start.count + 1, end.last == 0 else { return false }
        return compareBytes(start, end[..<start.count]) == 0
    }

    func contains(_ key: [UInt8]) -> Bool {
        guard compareBytes(key, start) >= 0 else { return false }
        guard let end else { return true }
        return compareBytes(key, end) < 0
    }
}

/// Byte-wise lexicographic comparison, like Go's `bytes.Compare`: negative, zero or positive.
@inline(__always)
func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in
            let n = min(pa.count, pb.count)
            if n > 0 {
                let r = memcmpBytes(pa.baseAddress!, pb.baseAddress!, n)
                if r != 0 { return r }
            }
            return pa.count - pb.count
        }
    }
}

/// `compareBytes` for any contiguous byte containers (slices).
@inline(__always)
func compareBytes<A: ContiguousBytes, B: ContiguousBytes>(_ a: A, _ b: B) -> Int {
    a.withUnsafeBytesNoCopy { pa in
        b.withUnsafeBytesNoCopy { pb in
            let n = min(pa.count, pb.count)
            if n > 0 {
                let r = memcmpBytes(pa.baseAddress!, pb.baseAddress!, n)
                if r != 0 { return r }
            }
            return pa.count - pb.count
        }
    }
}

@inline(__always)
private func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Int {
    var i = 0
    // Compare 8 bytes at a time; on a difference fall back to the byte loop to find its sign.
    while i + 8 <= n {
        let x = a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        let y = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        if x != y {
            let bx = x.bigEndian, by = y.bigEndian
            return bx < by ? -1 : 1
        }
        i += 8
    }
    while i < n {
        let x = a.load(fromByteOffset: i, as: UInt8.self)
        let y = b.load(fromByteOffset: i, as: UInt8.self)
        if x != y { return x < y ? -1 : 1 }
        i += 1
    }
    return 0
}

/// Contiguous byte containers we compare without copying.
protocol ContiguousBytes {
    func withUnsafeBytesNoCopy<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension Array: ContiguousBytes where Element == UInt8 {
    @inline(__always)
    func withUnsafeBytesNoCopy<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(body)
    }
}

extension ArraySlice: ContiguousBytes where Element == UInt8 {
    @inline(__always)
    func withUnsafeBytesNoCopy<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(body)
    }
}
