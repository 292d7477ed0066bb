/// Receives what a list-watch loop reads.
protocol ListWatchSink {
    /// A (re)list starts: forget what the previous list saw.
    mutating func beginList()
    /// One page of the list, in key order.
    mutating func listed(_ kvs: [RemoteKeyValue]) async
    /// The list is complete at `revision`.
    mutating func endList(revision: Int64) async
    /// Events of one watch response.
    mutating func events(_ events: [RemoteEvent]) async
}

/// Cilium's list-then-watch of one prefix (`pkg/kvstore/etcd.go` `ListAndWatch`, reference §2.3,
/// §2.5): a paginated list (`limit` keys a page, later pages pinned to the first page's revision,
/// next key = last key + "\0"), then a watch from the list revision + 1. A watch that ends
/// without error is resumed from the next revision without relisting; any watch error
/// (compaction included) relists, after which the sink deletes what was not seen again.
/// List errors are retried with backoff. Returns only by throwing an error that ends the
/// connection (or cancellation).
struct ListWatch {
    let connection: RemoteConnection
    let prefix: [UInt8]
    let configuration: KVStoreMeshConfiguration
    let onRetry: @Sendable (String) -> Void

    var rangeEnd: [UInt8] { KeyBytes.prefixEnd(prefix) }

    func run<S: ListWatchSink>(_ sink: inout S) async throws(ConnectionFailure) {
        var backoff = Backoff(minimum: configuration.listRetryMinimum, maximum: configuration.listRetryMaximum)
        var nextRevision: Int64 = 0
        var needList = true
        let clock = connection.clock
        while true {
            if Task.isCancelled { throw .cancelled }
            if needList {
                do throws(ConnectionFailure) {
                    nextRevision = try await list(&sink) + 1
                    needList = false
                } catch where !error.endsConnection {
                    onRetry("list of \(text(prefix)) failed: \(error)")
                    try await pause(backoff.next(random: configuration.random), clock)
                    continue
                }
            }
            let watch: LatchedWatch
            do throws(ConnectionFailure) {
                watch = try await connection.watch(key: prefix, rangeEnd: rangeEnd, startRevision: nextRevision)
            } catch where !error.endsConnection {
                onRetry("watch of \(text(prefix)) failed: \(error); relisting")
                needList = true
                try await pause(backoff.next(random: configuration.random), clock)
                continue
            }
            var delivered = false
            do throws(ConnectionFailure) {
                while true {
                    guard let message = try await watch.next() else {
                        // Ended without error: resume from the next revision, no relist.
                        break
                    }
                    switch message {
                    case .events(let header, let events):
                        await sink.events(events)
                        nextRevision = max(nextRevision, header.revision + 1)
                        delivered = true
                    case .progress(let header):
                        nextRevision = max(nextRevision, header.revision + 1)
                        delivered = true
                    case .canceled(_, let compactRevision, let reason):
                        onRetry(compactRevision != 0
                            ? "watch of \(text(prefix)) compacted at \(compactRevision); relisting"
                            : "watch of \(text(prefix)) canceled (\(reason)); relisting")
                        needList = true
                    }
                    if needList { break }
                }
            } catch where !error.endsConnection {
                onRetry("watch of \(text(prefix)) failed: \(error); relisting")
                needList = true
            } catch {
                await watch.cancel()
                throw error
            }
            await watch.cancel()
            if delivered { backoff.reset() }
            if needList {
                try await pause(backoff.next(random: configuration.random), clock)
            } else {
                try await pause(configuration.rewatchDelay, clock)
            }
        }
    }

    /// The paginated list; returns the revision it was read at.
    private func list<S: ListWatchSink>(_ sink: inout S) async throws(ConnectionFailure) -> Int64 {
        sink.beginList()
        var key = prefix
        var revision: Int64 = 0
        let end = rangeEnd
        while true {
            let page = try await connection.range(key: key, rangeEnd: end, revision: revision, limit: configuration.listPageSize)
            if revision == 0 { revision = page.header.revision }
            await sink.listed(page.kvs)
            guard page.more, let last = page.kvs.last else { break }
            key = last.key + [0]
        }
        await sink.endList(revision: revision)
        return revision
    }

    private func pause(_ seconds: Double, _ clock: any MeshClock) async throws(ConnectionFailure) {
        do {
            try await clock.sleep(for: seconds)
        } catch {
            throw .cancelled
        }
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
