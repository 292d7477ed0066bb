/// Prefix-integer coding (RFC 7541 §5.1).
enum HPACKInteger {
    /// Largest value the decoder accepts; anything beyond is `integerOverflow`.
    /// Every legitimate HPACK integer (indices, string lengths, table sizes) is far below it.
    static let maxValue = Int(UInt32.max)

    /// Appends `value` using an N-bit prefix; `firstByteFlags` supplies the bits above the prefix.
    static func encode(_ value: Int, prefixBits: Int, firstByteFlags: UInt8, into out: inout [UInt8]) {
        let limit = (1 << prefixBits) - 1
        if value < limit {
            out.append(firstByteFlags | UInt8(value))
            return
        }
        out.append(firstByteFlags | UInt8(limit))
        var rest = value - limit
        while rest >= 128 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// Decodes an integer with an N-bit prefix starting at `bytes[index]`, advancing `index`.
    static func decode(
        _ bytes: ArraySlice<UInt8>, at index: inout Int, prefixBits: Int
    ) throws(HPACKError) -> Int {
        guard index < bytes.endIndex else { throw .truncated }
        let limit = (1 << prefixBits) - 1
        var value = Int(bytes[index]) & limit
        index += 1
        if value < limit { return value }
        var shift = 0
        while true {
            guard index < bytes.endIndex else { throw .truncated }
            let byte = bytes[index]
            index += 1
            // Beyond 32 bits of payload the value cannot fit maxValue (also stops long
            // runs of 0x80 continuation bytes).
            guard shift <= 28 else { throw .integerOverflow }
            value += Int(byte & 0x7F) << shift
            guard value <= maxValue else { throw .integerOverflow }
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }
}
