@testable import EtcdClient
import Server
import Sockets
import Testing

/// Watches multiplexed on one gRPC stream, against the in-process server.
@Suite struct EtcdWatchStreamTests {
    /// Pulls updates until `count` events arrived (progress notifications are skipped).
    static func events(_ watcher: EtcdWatcher, count: Int) async throws -> [EtcdEvent] {
        var out: [EtcdEvent] = []
        while out.count < count {
            guard let update = try await watcher.next() else { break }
            if case .events(_, let events) = update { out += events }
        }
        return out
    }

    @Test func manyWatchesShareOneStreamAndCreatesAreAnsweredInOrder() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        try await bounded {
            let stream = client.watchStream()
            var watchers: [EtcdWatcher] = []
            for i in 0..<20 {
                watchers.append(try await stream.watch(.prefix(bytes("p\(i)/"))))
            }
            var ids: [Int64] = []
            for watcher in watchers {
                let (id, header) = await watcher.created()
                ids.append(id ?? -1)
                #expect(header?.clusterID == 0xC1)
            }
            #expect(Set(ids).count == 20 && !ids.contains(-1))
            let snapshot = await client.snapshot()
            #expect(snapshot.activeCalls == 1)  // one gRPC stream for all of them
            var revisions: [Int64] = []
            for round in 0..<3 {
                for i in 0..<20 { revisions.append(etcd.put("p\(i)/k", "\(round)")) }
            }
            for (i, watcher) in watchers.enumerated() {
                let events = try await Self.events(watcher, count: 3)
                #expect(events.map { text($0.kv.value) } == ["0", "1", "2"])
                #expect(events.map(\.kv.modRevision) == [revisions[i], revisions[20 + i], revisions[40 + i]])
                #expect(events.first?.isCreate == true && events.last?.isCreate == false)
            }
        }
    }

    @Test func pipelinedCreatesKeepTheirOrder() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        try await bounded {
            let stream = client.watchStream()
            // Sent back to back before any `created` is back: answered FIFO, each to its own watcher.
            let watchers = try await withThrowingTaskGroup(of: (Int, EtcdWatcher).self) { group in
                for i in 0..<10 {
                    group.addTask { (i, try await stream.watch(EtcdWatchRequest(key: bytes("key\(i)")))) }
                }
                var out: [Int: EtcdWatcher] = [:]
                for try await (i, watcher) in group { out[i] = watcher }
                return out
            }
            for i in 0..<10 { etcd.put("key\(i)", "v\(i)") }
            for i in 0..<10 {
                let events = try await Self.events(watchers[i]!, count: 1)
                #expect(events.map { text($0.kv.key) } == ["key\(i)"])
            }
        }
    }

    @Test func historyReplayDeletesPrevKVAndFilters() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        let first = etcd.put("a", "1")
        etcd.put("a", "2")
        _ = etcd.store.deleteRange(key: bytes("a"), end: [])
        try await bounded {
            let stream = client.watchStream()
            var request = EtcdWatchRequest(key: bytes("a"), startRevision: first)
            request.prevKV = true
            let watcher = try await stream.watch(request)
            let events = try await Self.events(watcher, count: 3)
            #expect(events.map(\.kind) == [.put, .put, .delete])
            #expect(events[1].previous.map { text($0.value) } == "1")
            #expect(events[2].kv.value.isEmpty && events[2].kv.modRevision == first + 2)
            var noPut = EtcdWatchRequest(key: bytes("b"))
            noPut.filters = [.noPut]
            let deletesOnly = try await stream.watch(noPut)
            etcd.put("b", "x")
            _ = etcd.store.deleteRange(key: bytes("b"), end: [])
            let only = try await Self.events(deletesOnly, count: 1)
            #expect(only.map(\.kind) == [.delete])
        }
    }

    @Test func compactedStartRevisionIsTheTypedError() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        for i in 0..<5 { etcd.put("c", "\(i)") }
        try etcd.store.compact(4)
        try await bounded {
            let watcher = try await client.watchStream().watch(EtcdWatchRequest(key: bytes("c"), startRevision: 2))
            guard case .canceled(_, let compactRevision, _)? = try await watcher.next() else {
                Issue.record("expected a compaction cancel")
                return
            }
            #expect(compactRevision == 4)
            #expect(try await watcher.next() == nil)
        }
    }

    @Test func aRejectedCreateIsACanceledWatcher() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        try await bounded {
            // range_end below key: etcd answers created+canceled "mvcc: watcher range is empty".
            let watcher = try await client.watchStream().watch(EtcdWatchRequest(key: bytes("b"), rangeEnd: bytes("a")))
            guard case .canceled(_, 0, let reason)? = try await watcher.next() else {
                Issue.record("expected a cancel")
                return
            }
            #expect(reason == "mvcc: watcher range is empty")
            #expect(try await watcher.next() == nil)
        }
    }

    @Test func cancelStopsOneWatchAndProgressReachesTheOthers() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        try await bounded {
            let stream = client.watchStream()
            let a = try await stream.watch(EtcdWatchRequest(key: bytes("a")))
            let b = try await stream.watch(EtcdWatchRequest(key: bytes("b")))
            a.cancel()
            #expect(try await a.next() == nil)
            etcd.put("a", "ignored")
            let revision = etcd.put("b", "seen")
            let events = try await Self.events(b, count: 1)
            #expect(events.map(\.kv.modRevision) == [revision])
            stream.requestProgress()
            guard case .progress(let header)? = try await b.next() else {
                Issue.record("expected a progress notification")
                return
            }
            #expect(header.revision == revision)
            stream.close()
            #expect(try await b.next() == nil)
            let late = await failure({ () async throws(EtcdClientError) in try await stream.watch(EtcdWatchRequest(key: bytes("c"))) })
            #expect(late == .closed)
        }
    }

    @Test func watchesResumeFromTheLastRevisionAfterTheServerGoesAway() async throws {
        let store = try InProcessEtcd()
        let port = store.address.port
        var configuration = EtcdClientConfiguration(endpoints: [store.endpoint])
        configuration.backoff = EtcdBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        try await bounded {
            let stream = client.watchStream()
            let watcher = try await stream.watch(.prefix(bytes("r/")))
            let first = store.put("r/1", "a")
            #expect(try await Self.events(watcher, count: 1).map(\.kv.modRevision) == [first])
            // Graceful shutdown: GOAWAY + Unavailable stream ends; the client resumes elsewhere
            // (here: a new listener on the same port over the same store).
            store.server.shutdown(timeout: 1)
            let missed = store.put("r/2", "b")
            let replacement = APIServer(api: store.server.api)
            _ = try replacement.start(listen: SocketAddress(host: "127.0.0.1", port: port))
            defer { replacement.stop() }
            let later = store.put("r/3", "c")
            let events = try await Self.events(watcher, count: 2)
            #expect(events.map(\.kv.modRevision) == [missed, later])
            let (id, _) = await watcher.created()
            #expect(id != nil)
        }
    }

    @Test func unreadWatchIsBoundedAndLosesNothing() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client {
            $0.watchBufferLimitBytes = 64 * 1024
            $0.http2.initialStreamWindowSize = 64 * 1024
        }
        defer { client.close() }
        let value = String(repeating: "v", count: 1000)
        try await bounded(60) {
            let stream = client.watchStream()
            let watcher = try await stream.watch(.prefix(bytes("big/")))
            for i in 0..<3000 { etcd.put("big/\(i % 100)", value + "\(i)") }  // ~3 MB of events
            // Nobody pulls: the client stops returning credit, the server stops sending.
            try await Task.sleep(for: .milliseconds(500))
            let buffered = await withCheckedContinuation { continuation in
                client.queue.async { continuation.resume(returning: (stream.bufferedBytes, stream.call?.creditPaused == true)) }
            }
            // limit + one stream window + one response (a batch of events) at most.
            #expect(buffered.0 <= 64 * 1024 + 64 * 1024 + 1_100_000, "buffered \(buffered.0)")
            #expect(buffered.1)
            #expect(buffered.0 < 3_000_000)
            // Then everything arrives, in order.
            let events = try await Self.events(watcher, count: 3000)
            #expect(events.count == 3000)
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.kv.modRevision < $1.kv.modRevision })
            #expect(events.last.map { text($0.kv.value) } == value + "2999")
        }
    }
}
