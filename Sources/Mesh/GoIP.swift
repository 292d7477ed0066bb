/// An IP address formatted and parsed like Go's `net.IP`.
///
/// `description` is `net.IP.String()`: IPv4 (4 bytes, or 16 bytes holding an IPv4-mapped
/// `::ffff:a.b.c.d`) prints dotted-quad; other IPv6 addresses print per RFC 5952 §4: lowercase
/// hex, no leading zeros, the longest run of two or more zero groups replaced by `::` (the first
/// run on ties). Cilium's readers reject ip keys that do not equal this text.
public struct GoIP: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6).
    public let bytes: [UInt8]

    /// `bytes` must hold 4 or 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses like Go `net.ParseIP` (≥ 1.17: no leading zeros in IPv4 fields, no zone).
    /// IPv4 text yields 4 bytes, IPv6 text 16 bytes.
    public init?(_ text: String) {
        let chars = Array(text.utf8)
        if chars.contains(UInt8(ascii: ":")) {
            guard let bytes = GoIP.parseIPv6(chars[...]) else { return nil }
            self.bytes = bytes
        } else {
            guard let bytes = GoIP.parseIPv4(chars[...]) else { return nil }
            self.bytes = bytes
        }
    }

    /// The 4-byte form when this is IPv4 or IPv4-mapped IPv6 (Go `To4`).
    public var ipv4Bytes: [UInt8]? {
        if bytes.count == 4 { return bytes }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return nil
    }

    public var isIPv4: Bool { ipv4Bytes != nil }

    public var description: String {
        if let v4 = ipv4Bytes {
            return v4.map { String($0) }.joined(separator: ".")
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<8 { groups[i] = UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1]) }
        // RFC 5952 §4.2.2/§4.2.3: longest run (≥ 2) of zero groups; first one on ties.
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i >= 2 && j - i > bestLength {
                bestStart = i
                bestLength = j - i
            }
            i = j == i ? i + 1 : j
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLength
                continue
            }
            if k > 0 && !out.hasSuffix(":") { out += ":" }
            out += String(groups[k], radix: 16)
            k += 1
        }
        return out
    }

    /// A `net.IPMask` of `prefixLength` ones in `bits` bits (Go `net.CIDRMask`); `nil` if invalid.
    public static func mask(prefixLength: Int, bits: Int) -> [UInt8]? {
        guard bits == 32 || bits == 128, prefixLength >= 0, prefixLength <= bits else { return nil }
        var mask = [UInt8](repeating: 0, count: bits / 8)
        var remaining = prefixLength
        for i in 0..<mask.count where remaining > 0 {
            let take = min(8, remaining)
            mask[i] = UInt8(truncatingIfNeeded: 0xFF00 >> take)
            remaining -= take
        }
        return mask
    }

    // MARK: - Parsing

    static func parseIPv4(_ chars: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        for field in chars.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !field.isEmpty, field.count <= 3, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            if field.count > 1 && field.first == UInt8(ascii: "0") { return nil }
            let value = field.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            out.append(UInt8(value))
        }
        return out.count == 4 ? out : nil
    }

    static func parseIPv6(_ chars: ArraySlice<UInt8>) -> [UInt8]? {
        var head: [UInt8] = []
        var tail: [UInt8] = []
        var sawEllipsis = false
        var rest = chars
        if rest.starts(with: [0x3A, 0x3A]) {
            sawEllipsis = true
            rest = rest.dropFirst(2)
        }
        while !rest.isEmpty {
            // Embedded IPv4 in the last 32 bits.
            let fieldEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            let field = rest[rest.startIndex..<fieldEnd]
            if field.contains(UInt8(ascii: ".")) {
                guard fieldEnd == rest.endIndex, let v4 = parseIPv4(field) else { return nil }
                if sawEllipsis { tail += v4 } else { head += v4 }
                rest = rest[fieldEnd...]
                break
            }
            guard !field.isEmpty, field.count <= 4 else { return nil }
            var value = 0
            for c in field {
                guard let digit = hexValue(c) else { return nil }
                value = value << 4 | digit
            }
            let group: [UInt8] = [UInt8(value >> 8), UInt8(value & 0xFF)]
            if sawEllipsis { tail += group } else { head += group }
            rest = rest[fieldEnd...]
            if rest.isEmpty { break }
            rest = rest.dropFirst()  // ':'
            if rest.first == UInt8(ascii: ":") {
                guard !sawEllipsis else { return nil }
                sawEllipsis = true
                rest = rest.dropFirst()
            } else if rest.isEmpty {
                return nil  // trailing single ':'
            }
            guard head.count + tail.count < 16 else { return nil }
        }
        guard rest.isEmpty else { return nil }
        let total = head.count + tail.count
        if sawEllipsis {
            guard total <= 14 else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - total) + tail
        }
        return total == 16 ? head : nil
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x61...0x66: Int(c - 0x61 + 10)
        case 0x41...0x46: Int(c - 0x41 + 10)
        default: nil
        }
    }
}

/// A `net.IPNet` as produced by Go `net.ParseCIDR`: the masked network address plus its mask.
/// JSON (`cidr.CIDR` embeds `*net.IPNet`): `{"IP":"10.244.0.0","Mask":"////AA=="}`.
public struct GoCIDR: Sendable, Hashable, CustomStringConvertible {
    public let ip: GoIP
    public let prefixLength: Int

    /// Parses `address/prefix`; IPv4 text gives a 4-byte IP and mask, IPv6 16 bytes.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = GoIP(String(parts[0])),
            let length = Int(parts[1]), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), parts[1].count <= 3
        else { return nil }
        self.init(ip: ip, prefixLength: length)
    }

    /// Masks `ip` to `prefixLength`.
    public init?(ip: GoIP, prefixLength: Int) {
        guard let mask = GoIP.mask(prefixLength: prefixLength, bits: ip.bytes.count * 8) else { return nil }
        let masked = zip(ip.bytes, mask).map { $0 & $1 }
        guard let network = GoIP(bytes: masked) else { return nil }
        self.ip = network
        self.prefixLength = prefixLength
    }

    /// `net.IPMask` bytes (4 or 16).
    public var mask: [UInt8] { GoIP.mask(prefixLength: prefixLength, bits: ip.bytes.count * 8) ?? [] }

    public var description: String { "\(ip)/\(prefixLength)" }

    /// `{"IP":...,"Mask":<base64>}`.
    public var json: GoJSON {
        .fields(["IP": .string(ip.description), "Mask": .bytes(mask)])
    }
}
