import ArgumentParser

/// Cilium's cluster name rules (`pkg/clustermesh/types`): at most 32 characters, lowercase
/// alphanumerics and '-', starting and ending with an alphanumeric; `default` is reserved
/// when the cluster ID is not 0.
enum ClusterName {
    static func validate(_ name: String, clusterID: UInt32, maxConnectedClusters: UInt32 = 255) throws {
        guard maxConnectedClusters == 255 || maxConnectedClusters == 511 else {
            throw ValidationError("--max-connected-clusters must be 255 or 511")
        }
        guard (1...maxConnectedClusters).contains(clusterID) else {
            throw ValidationError("--cluster-id must be between 1 and \(maxConnectedClusters)")
        }
        guard !name.isEmpty, name.utf8.count <= 32 else {
            throw ValidationError("--cluster-name must be 1 to 32 characters")
        }
        let bytes = Array(name.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        guard alnum(bytes[0]), alnum(bytes[bytes.count - 1]), bytes.allSatisfy({ alnum($0) || $0 == 45 }) else {
            throw ValidationError("--cluster-name must match ^([a-z0-9][-a-z0-9]*)?[a-z0-9]$")
        }
        if name == "default" {
            throw ValidationError("--cluster-name 'default' is reserved when a cluster ID is set")
        }
    }
}
