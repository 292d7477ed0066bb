import Synchronization
@testable import MVCC

/// UTF-8 bytes of a string literal.
func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Deterministic RNG for property tests (SplitMix64).
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A settable clock for lease and retention tests.
final class TestClock: Sendable {
    let time = Mutex<Double>(1000)
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
    var now: Double { time.withLock { $0 } }
}

extension KVStore {
    static func make(
        clock: TestClock? = nil, _ configure: (inout KVStoreConfiguration) -> Void = { _ in }
    ) -> KVStore {
        var config = KVStoreConfiguration()
        if let clock { config.now = { clock.now } }
        configure(&config)
        return KVStore(configuration: config)
    }

    /// Seed F1 of etcd-v3-api.md §7.2; revision 10 afterwards.
    static func seededF1(clock: TestClock? = nil, _ configure: (inout KVStoreConfiguration) -> Void = { _ in }) -> KVStore {
        let s = make(clock: clock, configure)
        try! s.put(key: b("a"), value: b("1"))
        try! s.put(key: b("b"), value: b("2"))
        try! s.put(key: b("c"), value: b("3"))
        try! s.put(key: b("a"), value: b("10"))
        s.deleteRange(key: b("b"), end: [])
        _ = try! s.write { (t: inout WriteTransaction) throws(MVCCError) in
            try t.put(key: b("d"), value: b("4"))
            try t.put(key: b("e"), value: b("5"))
        }
        try! s.put(key: b("foo/x"), value: b("x1"))
        try! s.put(key: b("foo/y"), value: b("y1"))
        try! s.put(key: b("b"), value: b("20"))
        return s
    }

    /// Seed F2: F1 + Compact(5).
    static func seededF2() -> KVStore {
        let s = seededF1()
        try! s.compact(5)
        return s
    }
}

func kv(_ key: String, _ c: Int64, _ m: Int64, _ v: Int64, _ value: String, lease: Int64 = 0) -> KeyValue {
    KeyValue(key: b(key), createRevision: c, modRevision: m, version: v, value: b(value), lease: lease)
}

func keys(_ kvs: [KeyValue]) -> [String] { kvs.map { String(decoding: $0.key, as: UTF8.self) } }

func put(_ key: String, _ c: Int64, _ m: Int64, _ v: Int64, _ value: String, prev: KeyValue? = nil) -> Event {
    Event(type: .put, kv: kv(key, c, m, v, value), prevKV: prev)
}

func del(_ key: String, _ m: Int64, prev: KeyValue? = nil) -> Event {
    Event(type: .delete, kv: KeyValue(key: b(key), modRevision: m), prevKV: prev)
}
