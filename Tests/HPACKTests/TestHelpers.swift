@testable import HPACK

/// Parses a hex string (whitespace allowed) into bytes.
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

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

func fields(_ pairs: [(String, String)]) -> [HeaderField] {
    pairs.map { HeaderField(name: $0.0, value: $0.1) }
}
