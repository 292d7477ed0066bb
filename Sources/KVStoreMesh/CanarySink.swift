/// `cilium/synced/<R>/` list-watch (`NewWatchStoreManagerSync`): a reflector starts once the key
/// `cilium/synced/<R>/<its prefix>` exists.
struct CanarySink: ListWatchSink {
    let canaries: [[UInt8]: ReflectorKind]
    let gates: AsyncFlags<ReflectorKind>

    init(remote: String, cached: Bool, kinds: Set<ReflectorKind>, gates: AsyncFlags<ReflectorKind>) {
        var map: [[UInt8]: ReflectorKind] = [:]
        for kind in kinds { map[Array(kind.remoteCanary(remote: remote, cached: cached).utf8)] = kind }
        canaries = map
        self.gates = gates
    }

    mutating func beginList() {}

    mutating func listed(_ kvs: [RemoteKeyValue]) async {
        for kv in kvs { if let kind = canaries[kv.key] { gates.open(kind) } }
    }

    mutating func endList(revision: Int64) async {}

    mutating func events(_ events: [RemoteEvent]) async {
        for case .put(let kv) in events { if let kind = canaries[kv.key] { gates.open(kind) } }
    }
}
