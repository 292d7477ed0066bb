import Foundation
import Mesh
import MVCC

/// Helpers shared by the MeshSources tests.
enum TestSupport {
    static let cluster = MeshClusterInfo(name: "c1", id: 1)

    static func makeMirror(
        cluster: MeshClusterInfo = cluster, resources: Set<MeshResource> = Set(MeshResource.allCases),
        maxOpsPerTransaction: Int = 1000
    ) -> MeshMirror {
        let configuration = MeshMirrorConfiguration(
            cluster: cluster, resources: resources, maxOpsPerTransaction: maxOpsPerTransaction, now: { 1_700_000_000 })
        return MeshMirror(configuration: configuration, store: KVStore())
    }

    /// Every key under `prefix` → value text.
    static func listing(_ store: KVStore, prefix: String = "cilium/") -> [String: String] {
        var end = Array(prefix.utf8)
        end[end.count - 1] += 1
        let result = (try? store.range(key: Array(prefix.utf8), end: end)) ?? RangeResult()
        var out: [String: String] = [:]
        for kv in result.kvs { out[String(decoding: kv.key, as: UTF8.self)] = String(decoding: kv.value, as: UTF8.self) }
        return out
    }

    static func count(_ store: KVStore, prefix: String) -> Int {
        var end = Array((prefix + "/").utf8)
        end[end.count - 1] += 1
        var options = RangeOptions()
        options.countOnly = true
        return Int((try? store.range(key: Array((prefix + "/").utf8), end: end, options: options))?.count ?? -1)
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "meshsources-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// VmRSS of this process in KiB (Linux), nil elsewhere.
    static func residentKiB() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}
