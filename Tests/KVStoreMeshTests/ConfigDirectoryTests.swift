import Foundation
import KVStoreMesh
import Testing
import TLS

/// `--clustermesh-config` scanning rules (reference/cilium-1.19-plus.md §A.1).
@Suite struct ConfigDirectoryTests {
    @Test func onlyRegularFilesWithEndpointsCount() throws {
        let dir = try TempDirectory()
        let fm = FileManager.default
        try dir.write("east", "endpoints:\n- https://east:2379\ntrusted-ca-file: /ca.crt\n")
        try dir.write("west", "endpoints: [\"https://a:2379\", \"https://b:2379\"]\n")
        try dir.write("noendpoints", "trusted-ca-file: /ca.crt\n")
        try dir.write(".hidden", "endpoints:\n- x\n")
        try dir.write("local", "endpoints:\n- x\n")
        try dir.write("Bad_Name", "endpoints:\n- x\n")
        try dir.write("big", String(repeating: "#", count: 2000) + "\nendpoints:\n- x\n")
        try fm.createDirectory(atPath: dir.path + "/adir", withIntermediateDirectories: true)
        try dir.write("adir/endpoints", "endpoints:\n- x\n")
        try fm.createSymbolicLink(atPath: dir.path + "/link", withDestinationPath: "east")
        try fm.createSymbolicLink(atPath: dir.path + "/dirlink", withDestinationPath: "adir")
        try fm.createSymbolicLink(atPath: dir.path + "/dangling", withDestinationPath: "missing")

        let scan = ConfigDirectory.scan(dir.path, localCluster: "local", maxFileBytes: 1000)
        #expect(scan.error == nil)
        #expect(Set(scan.files.keys) == ["east", "west", "link"])
        #expect(scan.files["east"]?.contents == Array("endpoints:\n- https://east:2379\ntrusted-ca-file: /ca.crt\n".utf8))
        #expect(scan.files["east"]?.sha256 == SHA256Digest.hex(scan.files["east"]!.contents))
        #expect(scan.files["link"]?.sha256 == scan.files["east"]?.sha256)
        #expect(scan.files["east"]?.endpointCount == 1)
        #expect(scan.files["west"]?.endpointCount == 2)
        #expect(scan.ignored["local"] == "configuration of the local cluster")
        #expect(scan.ignored["Bad_Name"]?.contains("not a valid cluster name") == true)
        #expect(scan.ignored["big"]?.contains("larger than") == true)
    }

    @Test func secretVolumeSwapChangesTheHash() throws {
        let dir = try TempDirectory()
        try dir.secretVolume(version: 1, files: ["east": "endpoints:\n- https://east:2379\n"])
        let first = ConfigDirectory.scan(dir.path, localCluster: "local")
        #expect(Set(first.files.keys) == ["east"])
        #expect(first.files["east"]?.path == dir.path + "/east")
        try dir.secretVolume(version: 2, files: ["east": "endpoints:\n- https://east:2379\nkey-file: /k\n"])
        let second = ConfigDirectory.scan(dir.path, localCluster: "local")
        #expect(second.files["east"]?.sha256 != first.files["east"]?.sha256)
        try dir.secretVolume(version: 3, files: ["east": "endpoints:\n- https://east:2379\nkey-file: /k\n"])
        #expect(ConfigDirectory.scan(dir.path, localCluster: "local").files["east"]?.sha256 == second.files["east"]?.sha256)
    }

    @Test func missingDirectoryIsAnError() {
        let scan = ConfigDirectory.scan("/nonexistent/kvsm", localCluster: "local")
        #expect(scan.error != nil)
        #expect(scan.files.isEmpty)
    }

    @Test func clusterNameRules() {
        for good in ["a", "east", "cluster-2", "0", String(repeating: "a", count: 32)] { #expect(ClusterNameRules.isValid(good)) }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", String(repeating: "a", count: 33), "é"] { #expect(!ClusterNameRules.isValid(bad)) }
    }
}
