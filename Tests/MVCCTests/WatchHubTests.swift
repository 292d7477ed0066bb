import Testing
@testable import MVCC

@Suite struct WatchHubTests {
    /// The span-group index finds exactly the groups a brute-force scan finds.
    @Test func groupLookupMatchesBruteForce() {
        var rng = SeededRNG(seed: 7)
        var hub = WatchHub()
        let queue = StreamQueue {}
        var watchers: [Watcher] = []
        func randomKey() -> [UInt8] {
            (0..<Int.random(in: 0...3, using: &rng)).map { _ in UInt8.random(in: 0x61...0x65, using: &rng) }
        }
        for step in 0..<3000 {
            if step % 3 == 2, !watchers.isEmpty {
                let w = watchers.remove(at: Int.random(in: 0..<watchers.count, using: &rng))
                hub.remove(w)
            } else {
                let start = randomKey()
                let end: [UInt8]
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: end = []
                case 1: end = [0]
                default: end = start + [UInt8.random(in: 0x61...0x66, using: &rng)]
                }
                let span = KeySpan(key: start, rangeEnd: end)
                if span.isEmpty { continue }
                let w = Watcher(id: Int64(step), streamID: 0, queue: queue, span: span, request: .init(), minRevision: 1)
                hub.addSynced(w)
                watchers.append(w)
            }
            let key = randomKey()
            var found = Set<ObjectIdentifier>()
            hub.forEachGroup(containing: key) { g in
                for w in g.members.values { found.insert(ObjectIdentifier(w)) }
            }
            let expected = Set(watchers.filter { $0.span.contains(key) }.map(ObjectIdentifier.init))
            #expect(found == expected, "step \(step)")
        }
    }
}
