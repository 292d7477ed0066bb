import Testing
@testable import MVCC

/// Independent model: every version of every key, read by brute force.
private struct NaiveStore {
    var versions: [[UInt8]: [(rev: Int64, kv: KeyValue?)]] = [:]
    var revision: Int64 = 1

    func state(_ key: [UInt8], at rev: Int64) -> KeyValue? {
        versions[key]?.last(where: { $0.rev <= rev })?.kv ?? nil
    }

    mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        revision += 1
        let prev = state(key, at: revision)
        let kv = KeyValue(
            key: key, createRevision: prev?.createRevision ?? revision, modRevision: revision,
            version: (prev?.version ?? 0) + 1, value: value)
        versions[key, default: []].append((revision, kv))
    }

    mutating func delete(_ key: [UInt8]) -> Bool {
        guard state(key, at: revision) != nil else { return false }
        revision += 1
        versions[key, default: []].append((revision, nil))
        return true
    }

    /// Every key of `[start, end)` existing at `rev`, sorted.
    func snapshot(from start: [UInt8], end: [UInt8], at rev: Int64) -> [KeyValue] {
        versions.keys
            .filter { compareBytes($0, start) >= 0 && compareBytes($0, end) < 0 }
            .compactMap { state($0, at: rev) }
            .sorted { compareBytes($0.key, $1.key) < 0 }
    }
}

/// Cilium's paginated list (cilium-clustermesh.md §2.3): 256-key pages, pages 2..n pinned at the
/// first page's revision, while writes interleave. Must equal the brute-force model exactly.
@Suite struct PinnedPagingTests {
    @Test(arguments: [(UInt64(1), 0), (UInt64(2), 9000)])
    func pagesMatchNaiveModel(seed: UInt64, burst: Int) throws {
        var rng = SeededRNG(seed: seed)
        let store = KVStore()
        var model = NaiveStore()
        func key(_ i: Int) -> [UInt8] { b("cilium/state/k/\(String(i, radix: 16))") }
        func randomWrite() throws {
            let i = Int.random(in: 0..<14_000, using: &rng)
            if Int.random(in: 0..<4, using: &rng) == 0 {
                let deleted = store.deleteRange(key: key(i), end: []).deleted
                #expect(model.delete(key(i)) == !deleted.isEmpty)
            } else {
                let v = b("v\(Int.random(in: 0..<1000, using: &rng))")
                try store.put(key: key(i), value: v)
                model.put(key(i), v)
            }
        }
        // Bulk load 10k keys in random order, plus noise outside the prefix.
        for i in (0..<10_000).shuffled(using: &rng) {
            try store.put(key: key(i), value: b("init"))
            model.put(key(i), b("init"))
        }
        try store.put(key: b("cilium/state/l"), value: b("outside"))
        model.put(b("cilium/state/l"), b("outside"))
        #expect(store.currentRevision == model.revision)

        let prefix = b("cilium/state/k/")
        let end = b("cilium/state/k0")
        for pass in 0..<3 {
            var options = RangeOptions()
            options.limit = 256
            options.sortOrder = .ascend
            options.sortTarget = .key
            var start = prefix
            var pinned: Int64 = 0
            var pages = 0
            var snapshot: [KeyValue] = []
            var offset = 0
            while true {
                let r = try store.range(key: start, end: end, options: options)
                if pinned == 0 {
                    pinned = r.revision
                    snapshot = model.snapshot(from: prefix, end: end, at: pinned)
                }
                // The model's page: the rest of the pinned snapshot from `start`.
                let remaining = snapshot.count - offset
                let expected = Array(snapshot[offset..<(offset + min(256, remaining))])
                #expect(r.kvs == expected, "pass \(pass) page \(pages)")
                #expect(r.count == Int64(remaining), "pass \(pass) page \(pages)")
                #expect(r.more == (remaining > 256))
                offset += expected.count
                #expect(r.revision == store.currentRevision)
                pages += 1
                guard r.more, let last = r.kvs.last else { break }
                start = last.key + [0]
                options.revision = pinned
                let writes = (pages == 3 && burst > 0) ? burst : Int.random(in: 0..<40, using: &rng)
                for _ in 0..<writes { try randomWrite() }
            }
            #expect(pages >= 30)
        }
    }
}
