import Testing
@testable import MVCC

@Suite struct KeyIndexTests {
    @Test func compareBytesIsLexicographic() {
        let cases: [([UInt8], [UInt8], Int)] = [
            ([], [], 0), ([], [0], -1), ([1], [], 1), ([1, 2, 3], [1, 2, 4], -1),
            (Array(repeating: 7, count: 20), Array(repeating: 7, count: 20), 0),
            (Array(repeating: 7, count: 20) + [1], Array(repeating: 7, count: 20) + [0xff], -1),
            ([0, 0, 0, 0, 0, 0, 0, 0x80, 1], [0, 0, 0, 0, 0, 0, 0, 0x7f, 2], 1),
            ([0xff], [0x00, 0xff], 1),
        ]
        for (a, b, sign) in cases {
            #expect(compareBytes(a, b).signum() == sign)
            #expect(compareBytes(b, a).signum() == -sign)
        }
    }

    @Test func randomOperationsMatchModel() {
        var rng = SeededRNG(seed: 42)
        var index = KeyIndex()
        var model: [[UInt8]: Bool] = [:]  // key → live
        for step in 0..<20_000 {
            let key = Array("k\(Int.random(in: 0..<3000, using: &rng))".utf8)
            let op = Int.random(in: 0..<10, using: &rng)
            if let rec = index.find(key) {
                if op < 4 {
                    // toggle liveness
                    let wasLive = rec.isLive
                    if wasLive { rec.revisions.append(.tombstone(at: Int64(step))) } else {
                        rec.revisions.append(KeyRevision(mod: Int64(step), create: 1, version: 1, value: [], lease: 0))
                    }
                    index.adjustLive(key, by: wasLive ? -1 : 1)
                    model[key] = !wasLive
                } else if op < 6, !rec.isLive {
                    let removed = index.remove(key)
                    #expect(removed)
                    model[key] = nil
                }
            } else {
                let rec = KeyRecord(key: key, revisions: [KeyRevision(mod: 1, create: 1, version: 1, value: [], lease: 0)])
                index.insert(rec)
                model[key] = true
            }
            if step % 2000 == 0 { index.rebuildIfSparse() }
        }
        let sorted = model.keys.sorted { compareBytes($0, $1) < 0 }
        var visited: [[UInt8]] = []
        index.forEach(from: []) { visited.append($0.key); return true }
        #expect(visited == sorted)
        #expect(index.recordCount == model.count)
        #expect(index.liveCount == model.values.filter { $0 }.count)
        for _ in 0..<300 {
            let x = Array("k\(Int.random(in: 0..<3000, using: &rng))".utf8)
            let y = Array("k\(Int.random(in: 0..<3000, using: &rng))".utf8)
            let span = KeySpan(start: x, end: y)
            let naive = model.filter { span.contains($0.key) && $0.value }.count
            #expect(index.countLive(in: span) == naive)
            var n = 0
            index.forEach(in: span) { if $0.isLive { n += 1 }; return true }
            #expect(n == naive)
        }
        // Remove everything dead and rebuild.
        for (k, live) in model where !live { index.remove(k) }
        index.rebuildIfSparse()
        #expect(index.liveCount == model.values.filter { $0 }.count)
    }

    @Test func spans() {
        #expect(KeySpan(key: b("a"), rangeEnd: []).isSingleKey)
        #expect(KeySpan(key: b("a"), rangeEnd: [0]).end == nil)
        #expect(KeySpan(key: b("b"), rangeEnd: b("a")).isEmpty)
        #expect(!KeySpan(key: b("a"), rangeEnd: b("b")).isSingleKey)
        #expect(KeySpan(key: b("a"), rangeEnd: []).contains(b("a")))
        #expect(!KeySpan(key: b("a"), rangeEnd: []).contains(b("a\u{0}")))
    }
}
