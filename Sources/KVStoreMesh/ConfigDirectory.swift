import Foundation

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
