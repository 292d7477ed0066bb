import Foundation

/// A Kubernetes Secret rendered as a YAML document (`data` values base64, keys in the given
/// order). Shared by `certs` and `peer-config`; everything interpolated is either validated by
/// the caller (names) or emitted through `yamlScalar` (quoted when not plain-safe).
struct SecretManifest {
    var name: String
    var namespace: String
    /// `kubernetes.io/tls`, `Opaque`, …
    var type: String
    var labels: [(key: String, value: String)] = []
    var data: [(key: String, value: [UInt8])]

    func yaml() -> String {
        var out = "apiVersion: v1\nkind: Secret\nmetadata:\n"
        out += "  name: \(yamlScalar(name))\n  namespace: \(yamlScalar(namespace))\n"
        if !labels.isEmpty {
            out += "  labels:\n"
            for (key, value) in labels { out += "    \(yamlScalar(key)): \(yamlScalar(value))\n" }
        }
        out += "type: \(yamlScalar(type))\ndata:\n"
        for (key, value) in data {
            out += "  \(yamlScalar(key)): \(Data(value).base64EncodedString())\n"
        }
        return out
    }

    /// Kubernetes resource and Secret data key names: DNS-1123 label rules for namespaces.
    static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        return alnum(bytes[0]) && alnum(bytes[bytes.count - 1]) && bytes.allSatisfy { alnum($0) || $0 == 45 }
    }
}

/// `text` as a YAML scalar: plain when it only holds characters that cannot change its meaning
/// (letters, digits, `-._/:@*` and no leading indicator or ": "/" #" sequence), otherwise a
/// double-quoted JSON string (JSON strings are valid YAML).
func yamlScalar(_ text: String) -> String {
    let safe = !text.isEmpty && text.utf8.allSatisfy { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || "-._/:@".utf8.contains(b)
    } && text.utf8.first.map { !":-@.".utf8.contains($0) } == true && !text.hasSuffix(":")
        && !["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"].contains(text.lowercased())
        && Double(text) == nil && Int(text) == nil
    if safe { return text }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let encoded = (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) }
    return encoded ?? "\"\""
}
