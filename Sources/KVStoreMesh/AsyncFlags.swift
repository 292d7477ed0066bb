import Synchronization

/// Flags that tasks can wait for: `open(key)` wakes every waiter of `key` and lets later waits
/// return at once. A waiting task that is cancelled returns too (callers check cancellation).
final class AsyncFlags<Key: Hashable & Sendable>: Sendable {
    private enum Waiter {
        case pending
        case waiting(Key, CheckedContinuation<Void, Never>)
        case cancelled
    }

    private struct State {
        var opened: Set<Key> = []
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
    }

    /// Guards the opened keys and the waiters; taken alone, never across a suspension.
    private let state = Mutex(State())

    init() {}

    func isOpen(_ key: Key) -> Bool { state.withLock { $0.opened.contains(key) } }

    func open(_ key: Key) {
        let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard s.opened.insert(key).inserted else { return [] }
            var out: [CheckedContinuation<Void, Never>] = []
            for (id, w) in s.waiters {
                if case .waiting(let k, let c) = w, k == key {
                    out.append(c)
                    s.waiters.removeValue(forKey: id)
                }
            }
            return out
        }
        for c in wake { c.resume() }
    }

    /// Returns once `key` is open or the task is cancelled.
    func wait(_ key: Key) async {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            s.waiters[s.nextID] = .pending
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.opened.contains(key) { return true }
                    if case .cancelled? = s.waiters[id] { return true }
                    s.waiters[id] = .waiting(key, c)
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
                switch s.waiters[id] {
                case .waiting(_, let c)?:
                    s.waiters.removeValue(forKey: id)
                    return c
                case .pending?:
                    s.waiters[id] = .cancelled
                    return nil
                default:
                    return nil
                }
            }
            c?.resume()
        }
        _ = state.withLock { $0.waiters.removeValue(forKey: id) }
    }
}
