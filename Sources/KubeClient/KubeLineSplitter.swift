/// Splits a byte stream into newline-terminated lines (watch events are one JSON document per
/// line). Pure; memory is bounded by `maxLineBytes` plus one input chunk.
public struct KubeLineSplitter: Sendable {
    public let maxLineBytes: Int
    private var pending: [UInt8] = []

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    public var bufferedByteCount: Int { pending.count }

    /// Appends `bytes` and returns every completed, non-blank line (without the newline).
    public mutating func append(_ bytes: [UInt8]) throws(KubeClientError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var chunk = bytes[...]
        if !pending.isEmpty {
            guard let nl = chunk.firstIndex(of: 0x0A) else {
                pending.append(contentsOf: chunk)
                guard pending.count <= maxLineBytes else { throw .tooLarge(limit: maxLineBytes) }
                return []
            }
            pending.append(contentsOf: chunk[..<nl])
            guard pending.count <= maxLineBytes else { throw .tooLarge(limit: maxLineBytes) }
            Self.emit(pending[...], into: &lines)
            pending.removeAll(keepingCapacity: true)
            chunk = chunk[(nl + 1)...]
        }
        while let nl = chunk.firstIndex(of: 0x0A) {
            guard nl - chunk.startIndex <= maxLineBytes else { throw .tooLarge(limit: maxLineBytes) }
            Self.emit(chunk[..<nl], into: &lines)
            chunk = chunk[(nl + 1)...]
        }
        guard chunk.count <= maxLineBytes else { throw .tooLarge(limit: maxLineBytes) }
        pending.append(contentsOf: chunk)
        return lines
    }

    /// The unterminated last line, if any (called when the stream ends).
    public mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        var lines: [[UInt8]] = []
        Self.emit(pending[...], into: &lines)
        return lines.first
    }

    private static func emit(_ line: ArraySlice<UInt8>, into lines: inout [[UInt8]]) {
        var l = line
        if l.last == 0x0D { l = l.dropLast() }
        guard l.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        lines.append(Array(l))
    }
}
