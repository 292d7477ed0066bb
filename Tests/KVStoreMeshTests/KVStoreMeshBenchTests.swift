#if canImport(Glibc)
import Glibc
#endif
import KVStoreMesh
import Mesh
import MVCC
import Testing

/// Bootstrap cost of many remotes against the store-backed double (no sockets, so this measures
/// our side: validation, mapping, local transactions, stale tracking). Opt-in:
/// `KVSM_BENCH=1 swift test -c release --filter KVStoreMeshBenchTests`
/// (`KVSM_BENCH_REMOTES`, default 250, each with 100 nodes, 100 identities, 1000 endpoints,
/// 10 services). Prints the figures; asserts only that everything converged.
@Suite(.enabled(if: getenv("KVSM_BENCH") != nil))
struct KVStoreMeshBenchTests {
    static func populate(_ remote: FakeRemote, id: UInt32) {
        let name = remote.name
        let range = KeyPaths.identityRange(clusterID: id)!
        var entries: [(String, [UInt8])] = [(KeyPaths.heartbeat, Array("t".utf8)),
                                             (KeyPaths.clusterConfig(cluster: name), ClusterConfigValue(id: id).jsonBytes)]
        for n in 0..<100 {
            let v = CiliumNodeValue(
                name: "node-\(n)", cluster: name, ipAddresses: [.init(type: "InternalIP", ip: GoIP("172.\(id).\(n / 250).\(n % 250 + 1)"))],
                ipv4AllocCIDR: GoCIDR("10.\(id).\(n).0/24"), clusterID: id, labels: ["kubernetes.io/hostname": "node-\(n)"],
                bootID: "00000000-0000-0000-0000-\(String(n, radix: 16))")
            entries.append((v.key, v.jsonBytes))
        }
        for n in 0..<100 {
            let labels = IdentityLabels(parsing: ["k8s:app=app\(n)", "k8s:io.cilium.k8s.policy.cluster=\(name)", "k8s:io.kubernetes.pod.namespace=ns"])
            entries.append((KeyPaths.identity(id: range.lowerBound + UInt32(n)), labels.bytes))
        }
        for n in 0..<1000 {
            let pair = IPIdentityPairValue(
                ip: GoIP("10.\(id).\(n / 250).\(n % 250 + 1)"), hostIP: GoIP("172.\(id).0.1"), id: range.lowerBound + UInt32(n % 100),
                k8sNamespace: "ns", k8sPodName: "pod-\(n)")
            entries.append((pair.keyPath, pair.jsonBytes))
        }
        for n in 0..<10 {
            let svc = ClusterServiceValue(
                cluster: name, namespace: "ns", name: "svc-\(n)", frontends: ["10.96.\(id).\(n)": ["http": .init(protocol: "TCP", port: 80)]],
                backends: ["10.\(id).0.\(n + 1)": ["http": .init(protocol: "TCP", port: 8080)]], clusterID: id)
            entries.append((svc.key, svc.jsonBytes))
        }
        for canary in KeyPaths.syncedCanaries(cluster: name) { entries.append((canary, Array("t".utf8))) }
        for (k, v) in entries { remote.put(k, v) }
    }

    /// User + system CPU of the process (both sides: the double's remote stores and ours).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    @Test func manyRemotesBootstrap() async {
        let count = Int(getenv("KVSM_BENCH_REMOTES").map { String(cString: $0) } ?? "") ?? 250
        let h = MeshHarness()
        var names: [String] = []
        for i in 0..<count {
            let remote = FakeRemote(name: "c\(i)")
            Self.populate(remote, id: UInt32(i + 2))
            h.factory.register(remote)
            names.append(remote.name)
        }
        let cpuBefore = Self.cpuSeconds()
        let started = ContinuousClock.now
        await h.start(names)
        let ready = await eventually(timeout: 300) { h.mesh.isReady }
        let elapsed = ContinuousClock.now - started
        let cpu = Self.cpuSeconds() - cpuBefore
        #expect(ready)
        let keys = h.keys(prefix: "cilium/cache/").count
        print("KVSM_BENCH remotes=\(count) cached_keys=\(keys) bootstrap=\(elapsed) cpu=\(cpu)s local_revision=\(h.local.currentRevision)")
        #expect(keys == count * 1210)
        #expect(h.mesh.status().allSatisfy { $0.ready && $0.rejected.isEmpty })
        await h.mesh.stop()
    }
}
