import KVStoreMesh
import MVCC
import Synchronization

/// A remote cluster's etcd for tests: a real `MVCC.KVStore` (revisions, pagination, compaction,
/// watches with history replay), with knobs to freeze every call, make calls fail, change the
/// `cluster_id` in headers (a restarted remote), and write raw keys.
final class FakeRemote: Sendable {
    struct Knobs {
        var frozen = false
        var failure: RemoteClientError?
        var clusterID: UInt64
        var ranges = 0
        var watches = 0
        /// Every Range (key, revision, limit) and Watch (key, start revision) received.
        var rangeLog: [(key: String, revision: Int64, limit: Int64, headerRevision: Int64)] = []
        var watchLog: [(key: String, startRevision: Int64)] = []
        /// Watches created before this generation end (return nil) on their next call.
        var endStreamsGeneration = 0
        /// Events delivered once, as one extra response, by the next watch `next()` call:
        /// what a misbehaving server could send outside the watched range.
        var rogueEvents: [RemoteEvent] = []
        /// Only the watch of this key gets them.
        var rogueTarget: [UInt8] = []
    }

    let name: String
    let store: KVStore
    let knobs: Mutex<Knobs>

    init(name: String, clusterID: UInt64 = 0xC0FFEE) {
        self.name = name
        var config = KVStoreConfiguration()
        config.historyMaxAgeSeconds = 1e9
        self.store = KVStore(configuration: config)
        self.knobs = Mutex(Knobs(clusterID: clusterID))
    }

    var clusterID: UInt64 {
        get { knobs.withLock { $0.clusterID } }
        set { knobs.withLock { $0.clusterID = newValue } }
    }

    func freeze() { knobs.withLock { $0.frozen = true } }
    func unfreeze() { knobs.withLock { $0.frozen = false } }
    func fail(_ error: RemoteClientError?) { knobs.withLock { $0.failure = error } }
    var rangeCalls: Int { knobs.withLock { $0.ranges } }
    /// Makes every open watch stream end without error.
    func endStreams() { knobs.withLock { $0.endStreamsGeneration += 1 } }
    func injectRogue(_ events: [RemoteEvent], toWatchOf prefix: String) {
        knobs.withLock {
            $0.rogueEvents += events
            $0.rogueTarget = Array(prefix.utf8)
        }
    }
    var watchCalls: Int { knobs.withLock { $0.watches } }

    func put(_ key: String, _ value: [UInt8]) { _ = try? store.put(key: Array(key.utf8), value: value) }
    func put(_ key: String, _ value: String) { put(key, Array(value.utf8)) }
    func delete(_ key: String) { store.deleteRange(key: Array(key.utf8), end: []) }
    func deletePrefix(_ prefix: String) {
        let k = Array(prefix.utf8)
        var end = k
        end[end.count - 1] += 1
        store.deleteRange(key: k, end: end)
    }

    /// Compacts at the current revision.
    func compactAll() { try? store.compact(store.currentRevision) }

    /// Every live key with its value.
    func contents(prefix: String) -> [String: [UInt8]] {
        let k = Array(prefix.utf8)
        var end = k
        end[end.count - 1] += 1
        let kvs = (try? store.range(key: k, end: end))?.kvs ?? []
        return Dictionary(uniqueKeysWithValues: kvs.map { (String(decoding: $0.key, as: UTF8.self), $0.value) })
    }

    func makeClient() -> StoreBackedRemoteClient { StoreBackedRemoteClient(remote: self) }

    func header(_ revision: Int64) -> RemoteHeader {
        RemoteHeader(clusterID: clusterID, memberID: 1, revision: revision, raftTerm: 2)
    }

    /// Blocks while frozen; throws the injected failure; `.closed` once `client` is closed or the
    /// task is cancelled.
    func gate(_ client: StoreBackedRemoteClient) async throws(RemoteClientError) {
        while true {
            if client.isClosed || Task.isCancelled { throw .closed }
            let (frozen, failure) = knobs.withLock { ($0.frozen, $0.failure) }
            if let failure { throw failure }
            if !frozen { return }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
}

final class StoreBackedRemoteClient: RemoteClient {
    let remote: FakeRemote
    private let closed = Mutex(false)

    init(remote: FakeRemote) { self.remote = remote }

    var isClosed: Bool { closed.withLock { $0 } }

    func range(key: [UInt8], rangeEnd: [UInt8], revision: Int64, limit: Int64) async throws(RemoteClientError) -> RemoteRangeResult {
        try await remote.gate(self)
        remote.knobs.withLock { $0.ranges += 1 }
        var options = RangeOptions()
        options.limit = limit
        options.revision = revision
        do throws(MVCCError) {
            let r = try remote.store.range(key: key, end: rangeEnd, options: options)
            let kvs = r.kvs.map {
                RemoteKeyValue(key: $0.key, value: $0.value, createRevision: $0.createRevision, modRevision: $0.modRevision,
                               version: $0.version, lease: $0.lease)
            }
            remote.knobs.withLock {
                $0.rangeLog.append((String(decoding: key, as: UTF8.self), revision, limit, r.revision))
            }
            return RemoteRangeResult(header: remote.header(r.revision), kvs: kvs, more: r.more, count: r.count)
        } catch .compacted {
            throw .compacted(remote.store.compactedRevision)
        } catch {
            throw .grpc(code: 11, message: "etcdserver: mvcc: required revision is a future revision")
        }
    }

    func watch(key: [UInt8], rangeEnd: [UInt8], startRevision: Int64) async throws(RemoteClientError) -> any RemoteWatch {
        try await remote.gate(self)
        remote.knobs.withLock {
            $0.watches += 1
            $0.watchLog.append((String(decoding: key, as: UTF8.self), startRevision))
        }
        return StoreBackedWatch(client: self, key: key, rangeEnd: rangeEnd, startRevision: startRevision)
    }

    func close() async { closed.withLock { $0 = true } }
}

final class StoreBackedWatch: RemoteWatch {
    let client: StoreBackedRemoteClient
    let stream: WatchStream
    let created: Result<(watchID: Int64, revision: Int64), WatchCreateError>
    let generation: Int
    let key: [UInt8]
    private let cancelled = Mutex(false)
    private let wake: WakeSignal

    init(client: StoreBackedRemoteClient, key: [UInt8], rangeEnd: [UInt8], startRevision: Int64) {
        self.client = client
        generation = client.remote.knobs.withLock { $0.endStreamsGeneration }
        self.key = key
        let wake = WakeSignal()
        self.wake = wake
        stream = client.remote.store.makeWatchStream(onPending: { wake.signal() })
        created = stream.watch(WatchCreateRequest(key: key, end: rangeEnd, startRevision: startRevision))
        client.remote.store.syncWatchers()
    }

    deinit { stream.close() }

    func next() async throws(RemoteClientError) -> RemoteWatchMessage? {
        let remote = client.remote
        while true {
            if cancelled.withLock({ $0 }) { return nil }
            try await remote.gate(client)
            let (ended, rogue) = remote.knobs.withLock { k -> (Bool, [RemoteEvent]) in
                guard k.rogueTarget == key else { return (k.endStreamsGeneration > generation, []) }
                defer { k.rogueEvents = [] }
                return (k.endStreamsGeneration > generation, k.rogueEvents)
            }
            if ended { return nil }
            if !rogue.isEmpty { return .events(remote.header(remote.store.currentRevision), rogue) }
            if case .failure = created {
                return .canceled(remote.header(0), compactRevision: remote.store.compactedRevision, reason: "mvcc: required revision has been compacted")
            }
            if let message = stream.takePending(max: 1).first {
                switch message {
                case .events(_, let revision, let events):
                    let mapped = events.map { e -> RemoteEvent in
                        let kv = RemoteKeyValue(key: e.kv.key, value: e.kv.value, createRevision: e.kv.createRevision,
                                                modRevision: e.kv.modRevision, version: e.kv.version, lease: e.kv.lease)
                        return e.type == .put ? .put(kv) : .delete(kv)
                    }
                    return .events(remote.header(revision), mapped)
                case .compacted(_, let compactRevision):
                    return .canceled(remote.header(0), compactRevision: compactRevision, reason: "mvcc: required revision has been compacted")
                case .progress(_, let revision):
                    return .progress(remote.header(revision))
                }
            }
            remote.store.syncWatchers()
            if stream.pendingCount > 0 { continue }
            // Woken by new events; the timeout covers frozen/failing knobs and history catch-up.
            await wake.wait(milliseconds: 20)
        }
    }

    func cancel() async {
        cancelled.withLock { $0 = true }
        stream.close()
        wake.signal()
    }
}

/// Wakes one waiter; a signal with nobody waiting is kept for the next wait.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.waiter {
                s.waiter = nil
                return c
            }
            s.pending = true
            return nil
        }
        c?.resume()
    }

    func wait(milliseconds: Int) async {
        let timer = Task { [self] in
            try? await Task.sleep(for: .milliseconds(milliseconds))
            signal()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending {
                        s.pending = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            signal()
        }
        timer.cancel()
        state.withLock { $0.pending = false }
    }
}

/// Hands out clients of registered fake remotes; records every connection attempt.
final class FakeFactory: RemoteClientFactory {
    struct Attempt: Equatable {
        var cluster: String
        var sha: [UInt8]
    }

    private let remotes = Mutex<[String: FakeRemote]>([:])
    private let log = Mutex<[String]>([])

    func register(_ remote: FakeRemote) { remotes.withLock { $0[remote.name] = remote } }
    func unregister(_ name: String) { _ = remotes.withLock { $0.removeValue(forKey: name) } }

    /// Connection attempts per cluster, in order, with the config contents used.
    var attempts: [String] { log.withLock { $0 } }
    func attempts(_ cluster: String) -> [String] { attempts.filter { $0.hasPrefix(cluster + ":") } }

    func makeClient(clusterName: String, configPath: String, configContents: [UInt8]) throws(RemoteClientError) -> any RemoteClient {
        log.withLock { $0.append("\(clusterName):\(String(decoding: configContents, as: UTF8.self))") }
        guard let remote = remotes.withLock({ $0[clusterName] }) else { throw .unavailable("no such remote \(clusterName)") }
        return remote.makeClient()
    }
}
