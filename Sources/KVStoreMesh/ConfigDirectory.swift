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

/// What a scan of the configuration directory found.
public struct ConfigScan: Sendable, Equatable {
    /// Usable files by cluster name.
    public var files: [String: RemoteConfigFile] = [:]
    /// Entries that look like configurations but are not used, with the reason.
    public var ignored: [String: String] = [:]
    /// Set when the directory itself cannot be listed (the previous state is then kept).
    public var error: String?

    public init() {}
}

/// Reads `--clustermesh-config` as Cilium's `configDirectoryWatcher` does
/// (`pkg/clustermesh/common/config.go`, reference/cilium-1.19-plus.md §A.1): one file per remote,
/// named after it; an entry counts only if it is a regular file after following symlinks, is
/// readable and contains `endpoints:`. Dot entries are skipped (Kubernetes' `..data` and
/// `..<timestamp>` directories of a Secret volume), so the `name -> ..data/name` symlinks are
/// what gets read, and an atomic `..data` swap shows up as changed contents. Names that are not
/// valid Cilium cluster names, and the local cluster's own name (`Ignoring configuration for own
/// cluster`), are ignored.
public enum ConfigDirectory {
    public static func scan(_ directory: String, localCluster: String, maxFileBytes: Int = 1 << 20) -> ConfigScan {
        var scan = ConfigScan()
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: directory)
        } catch {
            scan.error = "cannot list \(directory): \(error)"
            return scan
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard let attributes = try? fm.attributesOfItem(atPath: resolved),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { continue }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            guard size <= maxFileBytes else {
                scan.ignored[name] = "larger than \(maxFileBytes) bytes"
                continue
            }
            guard let data = fm.contents(atPath: resolved), data.count <= maxFileBytes else { continue }
            let contents = [UInt8](data)
            guard contents.firstRange(of: Array("endpoints:".utf8)) != nil else { continue }
            if name == localCluster {
                scan.ignored[name] = "configuration of the local cluster"
                continue
            }
            guard ClusterNameRules.isValid(name) else {
                scan.ignored[name] = "not a valid cluster name (^([a-z0-9][-a-z0-9]*)?[a-z0-9]$, at most 32 characters)"
                continue
            }
            scan.files[name] = RemoteConfigFile(name: name, path: path, contents: contents)
        }
        return scan
    }
}

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
