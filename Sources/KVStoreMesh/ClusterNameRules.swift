/// Cilium's cluster name rules (`pkg/clustermesh/types`): 1–32 characters, lowercase
/// alphanumerics and `-`, starting and ending with an alphanumeric.
public enum ClusterNameRules {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 32 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        return alnum(bytes[0]) && alnum(bytes[bytes.count - 1]) && bytes.allSatisfy { alnum($0) || $0 == 45 }
    }
}
