import KVStoreMesh
import Mesh
import MVCC
import Synchronization

/// Collects KVStoreMesh log lines.
final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    func count(containing text: String) -> Int { all.filter { $0.contains(text) }.count }

    var sink: KVStoreMeshLog {
        { [self] level, message in self.lines.withLock { $0.append("\(level): \(message)") } }
    }
}

/// A local store, a manual clock, a fake factory and a KVStoreMesh over them.
struct MeshHarness {
    static let localName = "local"
    static let localID: UInt32 = 1

    let local: KVStore
    let clock = ManualClock()
    let factory = FakeFactory()
    let logs = LogCollector()
    let mesh: KVStoreMesh

    init(_ configure: (inout KVStoreMeshConfiguration) -> Void = { _ in }) {
        var storeConfig = KVStoreConfiguration()
        storeConfig.historyMaxAgeSeconds = 1e9
        local = KVStore(configuration: storeConfig)
        var c = KVStoreMeshConfiguration(clusterName: Self.localName, clusterID: Self.localID)
        c.heartbeatTimeout = 0
        c.random = { 0.5 }
        configure(&c)
        mesh = KVStoreMesh(configuration: c, store: local, factory: factory, clock: clock, log: logs.sink)
    }

    /// A remote exporting `DemoData` (what our own apiserver writes: nodes, identities, IPs, a
    /// service, cluster config with `serviceExportsEnabled: false`, heartbeat and canaries).
    func remote(_ name: String, id: UInt32, etcdClusterID: UInt64 = 0xC0FFEE) -> FakeRemote {
        let remote = FakeRemote(name: name, clusterID: etcdClusterID)
        for (key, value) in DemoData.entries(clusterName: name, clusterID: id, now: Int64(clock.wallSeconds)) {
            remote.put(key, value)
        }
        factory.register(remote)
        return remote
    }

    static func file(_ name: String, endpoint: String = "https://127.0.0.1:2379") -> RemoteConfigFile {
        RemoteConfigFile(name: name, path: "/var/lib/cilium/clustermesh/\(name)", contents: Array("endpoints:\n- \(endpoint)\n".utf8))
    }

    func start(_ names: [String]) async {
        await mesh.start(files: Dictionary(uniqueKeysWithValues: names.map { ($0, Self.file($0)) }))
    }

    // MARK: Local store views

    func value(_ key: String) -> [UInt8]? {
        (try? local.range(key: Array(key.utf8), end: []))?.kvs.first?.value
    }

    func text(_ key: String) -> String? { value(key).map { String(decoding: $0, as: UTF8.self) } }

    func keys(prefix: String) -> [String: [UInt8]] {
        let k = Array(prefix.utf8)
        var end = k
        end[end.count - 1] += 1
        let kvs = (try? local.range(key: k, end: end))?.kvs ?? []
        return Dictionary(uniqueKeysWithValues: kvs.map { (String(decoding: $0.key, as: UTF8.self), $0.value) })
    }

    /// Everything cached for `name`, by local key.
    func cache(_ name: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for kind in ReflectorKind.allCases {
            out.merge(keys(prefix: kind.cachePrefix(remote: name) + "/")) { a, _ in a }
        }
        return out
    }

    /// What the cache of `name` must hold: each kind's remote entries, keys mapped under the
    /// cache prefix, values unchanged; `kinds` limits it (disabled or revoked kinds).
    static func expectedCache(_ remote: FakeRemote, kinds: Set<ReflectorKind> = Set(ReflectorKind.allCases), cached: Bool = false) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for kind in kinds {
            let prefix = kind.watchPrefix(remote: remote.name, cached: cached) + "/"
            for (key, value) in remote.contents(prefix: prefix) {
                out[kind.cachePrefix(remote: remote.name) + "/" + key.dropFirst(prefix.count)] = value
            }
        }
        return out
    }

    func status(_ name: String) -> RemoteClusterStatus? { mesh.status().first { $0.name == name } }

    /// Waits until `name` is ready and its cache equals the remote's state.
    func converged(_ remote: FakeRemote, kinds: Set<ReflectorKind> = Set(ReflectorKind.allCases), timeout: Double = 10) async -> Bool {
        await eventually(timeout: timeout) {
            status(remote.name)?.ready == true && cache(remote.name) == Self.expectedCache(remote, kinds: kinds)
        }
    }

    func localCanaries(_ name: String) -> Set<ReflectorKind> {
        Set(ReflectorKind.allCases.filter { value($0.localCanary(remote: name)) != nil })
    }
}
