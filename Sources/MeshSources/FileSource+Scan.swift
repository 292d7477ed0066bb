#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Mesh

/// What `FileSource` compares between polls: identity, size and modification time of every
/// file it reads. A changed directory listing changes the list itself.
struct FileStamp: Sendable, Equatable {
    var path: String
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64
}

extension FileSource {
    static let manifestExtensions = [".yaml", ".yml", ".json"]

    /// The files `path` stands for, with their stamps: the file itself, or the directory's
    /// `*.yaml`, `*.yml`, `*.json` entries (not recursive, hidden names skipped — which also
    /// skips the `..data` indirection of a mounted ConfigMap while following its visible
    /// symlinks), sorted by name. Symlinks are followed.
    static func scan(path: String, maxFiles: Int) throws(MeshSourceError) -> [FileStamp] {
        let root = try stamp(path)
        guard root.isDirectory else { return [root.stamp] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .unreadable(path: path, reason: "cannot list directory: \(error.localizedDescription)")
        }
        let selected = names.filter { name in
            !name.hasPrefix(".") && manifestExtensions.contains(where: { name.lowercased().hasSuffix($0) })
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard selected.count <= maxFiles else {
            throw .unreadable(path: path, reason: "\(selected.count) manifest files, limit \(maxFiles)")
        }
        var out: [FileStamp] = []
        out.reserveCapacity(selected.count)
        for name in selected {
            let child = try stamp(path.hasSuffix("/") ? path + name : path + "/" + name)
            if !child.isDirectory { out.append(child.stamp) }
        }
        return out
    }

    private static func stamp(_ path: String) throws(MeshSourceError) -> (stamp: FileStamp, isDirectory: Bool) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        #if canImport(Darwin)
        let seconds = Int64(info.st_mtimespec.tv_sec)
        let nanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #else
        let seconds = Int64(info.st_mtim.tv_sec)
        let nanoseconds = Int64(info.st_mtim.tv_nsec)
        #endif
        let stamp = FileStamp(
            path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: seconds, modifiedNanoseconds: nanoseconds)
        return (stamp, (info.st_mode & S_IFMT) == S_IFDIR)
    }

    /// Reads and parses every stamped file, in order.
    static func load(_ stamps: [FileStamp], maxFileBytes: Int) throws(MeshSourceError) -> [KubeObject] {
        var out: [KubeObject] = []
        for stamp in stamps {
            guard stamp.size <= Int64(maxFileBytes) else {
                throw .unreadable(path: stamp.path, reason: "\(stamp.size) bytes, limit \(maxFileBytes)")
            }
            guard let data = FileManager.default.contents(atPath: stamp.path) else {
                throw .unreadable(path: stamp.path, reason: "read failed")
            }
            do throws(KubeManifestError) {
                out += try KubeManifestParser.parse([UInt8](data), maxBytes: maxFileBytes)
            } catch {
                throw .parse(path: stamp.path, reason: error.description)
            }
        }
        return out
    }
}
