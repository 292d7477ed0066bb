import Foundation
import TLS

/// One remote cluster's configuration file (`--clustermesh-config DIR/<cluster>`).
public struct RemoteConfigFile: Sendable, Equatable {
    /// The file name: the remote cluster's name.
    public var name: String
    public var path: String
    public var contents: [UInt8]
    /// Lowercase hex SHA-256 of `contents`.
    public var sha256: String

    public init(name: String, path: String, contents: [UInt8]) {
        self.name = name
        self.path = path
        self.contents = contents
        self.sha256 = SHA256Digest.hex(contents)
    }

    /// Endpoints listed under `endpoints:` (block or flow list), for the status line only.
    public var endpointCount: Int {
        let lines = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let i = lines.firstIndex(where: { $0.hasPrefix("endpoints:") }) else { return 0 }
        let rest = lines[i].dropFirst("endpoints:".count).trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("[") {
            return rest.dropFirst().split(separator: "]").first.map { $0.split(separator: ",").count } ?? 0
        }
        var n = 0
        for line in lines[(i + 1)...] {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("- ") || t == "-" { n += 1 } else if !t.isEmpty && !t.hasPrefix("#") { break }
        }
        return n
    }
}
