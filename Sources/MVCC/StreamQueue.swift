import Synchronization

/// The outgoing message queue of one `WatchStream`, with its own lock so draining never
/// contends with the store. Lock order: store lock, then queue lock; never the reverse.
final class StreamQueue: Sendable {
    struct State {
        var messages: [WatchMessage] = []
        var head = 0
        var count: Int { messages.count - head }
    }

    let onPending: @Sendable () -> Void
    let state = Mutex(State())

    init(onPending: @escaping @Sendable () -> Void) {
        self.onPending = onPending
    }

    var count: Int { state.withLock { $0.count } }

    /// Appends; returns true if the queue went from empty to non-empty.
    func push(_ message: WatchMessage) -> Bool {
        state.withLock { s in
            let wasEmpty = s.count == 0
            s.messages.append(message)
            return wasEmpty
        }
    }

    /// Appends if fewer than `limit` messages are queued; nil when full, else whether it was empty.
    func push(_ message: WatchMessage, limit: Int) -> Bool? {
        state.withLock { s -> Bool? in
            guard s.count < limit else { return nil }
            let wasEmpty = s.count == 0
            s.messages.append(message)
            return wasEmpty
        }
    }

    func take(max: Int) -> [WatchMessage] {
        state.withLock { s in
            let n = Swift.min(Swift.max(max, 0), s.count)
            guard n > 0 else { return [] }
            let out = Array(s.messages[s.head..<(s.head + n)])
            s.head += n
            if s.head == s.messages.count {
                s.messages.removeAll(keepingCapacity: s.messages.count <= 1024)
                s.head = 0
            } else if s.head >= 256, s.head * 2 >= s.messages.count {
                s.messages.removeFirst(s.head)
                s.head = 0
            }
            return out
        }
    }

    /// Drops queued messages of one watcher (it was canceled).
    func purge(watchID: Int64) {
        state.withLock { s in
            s.messages = s.messages[s.head...].filter { $0.watchID != watchID }
            s.head = 0
        }
    }

    func clear() {
        state.withLock { s in
            s.messages = []
            s.head = 0
        }
    }
}
