import Glibc

/// One subjectAltName entry (RFC 5280 §4.2.1.6): a DNS name or an IP address.
public enum CertificateAltName: Sendable, Hashable, CustomStringConvertible {
    case dns(String)
    case ip(String)

    /// Longest DNS name accepted (RFC 1035 §2.3.4, textual form).
    public static let maximumDNSNameLength = 253

    /// Classifies `text`: an IPv4 or IPv6 literal is `.ip`, anything else must be a valid DNS
    /// name (letters, digits, '-', '.', optionally a leading `*.` wildcard label).
    public init(parsing text: String) throws(CertificateError) {
        if Self.isIPAddress(text) {
            self = .ip(text)
        } else if Self.isDNSName(text) {
            self = .dns(text)
        } else {
            throw .invalidAltName(text)
        }
    }

    public var description: String {
        switch self {
        case .dns(let name): return "DNS:\(name)"
        case .ip(let address): return "IP:\(address)"
        }
    }

    /// Re-checks the value (a case may have been built directly) and returns the OpenSSL
    /// configuration form, which cannot contain a ',' since both syntaxes exclude it.
    func configurationValue() throws(CertificateError) -> String {
        switch self {
        case .dns(let name):
            guard Self.isDNSName(name) else { throw .invalidAltName(name) }
        case .ip(let address):
            guard Self.isIPAddress(address) else { throw .invalidAltName(address) }
        }
        return description
    }

    static func isIPAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 64 else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    static func isDNSName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumDNSNameLength else { return false }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            if index == 0 && labels.count > 1 && label.elementsEqual([UInt8(ascii: "*")]) { continue }
            guard (1...63).contains(label.count),
                  label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for byte in label {
                let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                    || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-")
                if !ok { return false }
            }
        }
        return true
    }
}
