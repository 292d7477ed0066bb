extension KVStore {
    /// Opens a watch stream (one per gRPC Watch stream). `onPending` runs, outside the store
    /// lock, whenever the stream's queue goes from empty to non-empty.
    public func makeWatchStream(onPending: @escaping @Sendable () -> Void) -> WatchStream {
        let queue = StreamQueue(onPending: onPending)
        let id = core.withLock { $0.openStream(queue: queue) }
        return WatchStream(store: self, id: id, queue: queue)
    }

    /// Catch-up pass for unsynced and victim watchers; bounded work per call. Called by a timer
    /// (~100 ms), and may be called right after a `created` response went out.
    public func syncWatchers() {
        let woke = core.withLock { $0.syncWatchers() }
        Self.wake(woke)
    }

    /// Progress notifications for idle synced `progressNotify` watchers (etcd's ticker).
    public func progressNotifyTick() {
        let woke = core.withLock { $0.progressTick() }
        Self.wake(woke)
    }
}

/// The store side of one gRPC Watch stream: its watchers and its queue of outgoing messages.
///
/// Owner contract: `onPending` fires only on the empty → non-empty transition, so keep calling
/// `takePending` until it returns fewer than `max`. Live events of a synced watcher may be queued
/// as soon as `watch` returns: send the `created` response before sending anything taken after
/// it. Call `close()` when the gRPC stream ends (an `onPending` closure that captures the stream
/// keeps it alive otherwise). The queue is bounded by `watchStreamQueueLimit` (plus at most one
/// `.compacted` per watcher); a full queue turns watchers into victims, caught up later.
public final class WatchStream: Sendable {
    let store: KVStore
    let id: Int
    let queue: StreamQueue

    init(store: KVStore, id: Int, queue: StreamQueue) {
        self.store = store
        self.id = id
        self.queue = queue
    }

    deinit { close() }

    /// Registers a watcher; returns its ID and the current revision (for `created`).
    public func watch(_ request: WatchCreateRequest) -> Result<(watchID: Int64, revision: Int64), WatchCreateError> {
        store.core.withLock { $0.createWatch(stream: id, request) }
    }

    /// Removes a watcher and its queued messages; returns the current revision, nil if unknown.
    public func cancel(watchID: Int64) -> Int64? {
        store.core.withLock { $0.cancelWatch(stream: id, watchID: watchID) }
    }

    /// The current revision if the stream has a watcher and all are synced (and not waiting for a
    /// future start revision), else nil (etcd >= 3.5.8 `progressIfSync`).
    public func requestProgress() -> Int64? {
        store.core.withLock { $0.requestProgress(stream: id) }
    }

    /// Takes up to `max` queued messages, oldest first.
    public func takePending(max: Int) -> [WatchMessage] {
        queue.take(max: max)
    }

    /// Messages waiting to be taken.
    public var pendingCount: Int { queue.count }

    /// Removes all watchers and drops queued messages.
    public func close() {
        store.core.withLock { $0.closeStream(id) }
    }

    public var watcherCount: Int {
        store.core.withLock { $0.hub.streams[id]?.watchers.count ?? 0 }
    }
}
