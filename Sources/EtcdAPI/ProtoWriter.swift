/// A minimal protobuf (proto3) writer for the hot responses: RangeResponse and WatchResponse.
///
/// Building SwiftProtobuf messages for 100k-key ranges and per-watcher event fan-out costs a
/// `Data` allocation per field; writing the wire format straight from the store's `[UInt8]`
/// keys and values does not. Fields are written in field-number order and zero values are
/// omitted, which is the canonical proto3 encoding any decoder accepts.
///
/// Wire types used: 0 (varint) and 2 (length-delimited).
struct ProtoWriter {
    var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ wireType: UInt8) {
        varint(UInt64(field << 3) | UInt64(wireType))
    }

    /// int64 fields encode negatives as 10-byte two's complement varints.
    @inline(__always)
    mutating func int64(_ field: Int, _ value: Int64) {
        guard value != 0 else { return }
        tag(field, 0)
        varint(UInt64(bitPattern: value))
    }

    @inline(__always)
    mutating func uint64(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, 0)
        varint(value)
    }

    @inline(__always)
    mutating func bool(_ field: Int, _ value: Bool) {
        guard value else { return }
        tag(field, 0)
        bytes.append(1)
    }

    @inline(__always)
    mutating func bytesField(_ field: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        tag(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        guard !value.isEmpty else { return }
        var utf8 = Array(value.utf8)
        tag(field, 2)
        varint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
        utf8.removeAll()
    }

    /// A length-delimited sub-message whose encoded size is known in advance.
    @inline(__always)
    mutating func messageHeader(_ field: Int, size: Int) {
        tag(field, 2)
        varint(UInt64(size))
    }
}

enum ProtoSize {
    @inline(__always)
    static func varint(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// Size of tag + value for a one-byte tag (fields 1–15).
    @inline(__always)
    static func int64(_ value: Int64) -> Int {
        value == 0 ? 0 : 1 + varint(UInt64(bitPattern: value))
    }

    @inline(__always)
    static func uint64(_ value: UInt64) -> Int {
        value == 0 ? 0 : 1 + varint(value)
    }

    @inline(__always)
    static func bytes(_ count: Int) -> Int {
        count == 0 ? 0 : 1 + varint(UInt64(count)) + count
    }

    /// A sub-message field (one-byte tag) of the given body size; always present.
    @inline(__always)
    static func message(_ bodySize: Int) -> Int {
        1 + varint(UInt64(bodySize)) + bodySize
    }
}
