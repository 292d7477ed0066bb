import KVStoreMesh
import Synchronization

/// A clock that only moves when the test says so: `advance(by:)` wakes every sleeper whose
/// deadline passed. Wall time is monotonic time plus a fixed epoch offset.
final class ManualClock: MeshClock {
    private enum Sleeper {
        case pending(Double)
        case waiting(Double, CheckedContinuation<Void, any Error>)
        case cancelled
    }

    private struct State {
        var now: Double = 1000
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
    }

    /// 2026-01-01T00:00:00Z at `now == 1000`.
    let wallOffset: Double = 1_767_225_600 - 1000
    private let state = Mutex(State())

    var now: Double { state.withLock { $0.now } }
    var wallSeconds: Double { now + wallOffset }

    /// Tasks currently sleeping.
    var sleeping: Int {
        state.withLock { s in s.sleepers.values.filter { if case .waiting = $0 { return true } else { return false } }.count }
    }

    func sleep(until deadline: Double) async throws(CancellationError) {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            s.sleepers[s.nextID] = .pending(deadline)
            return s.nextID
        }
        defer { _ = state.withLock { $0.sleepers.removeValue(forKey: id) } }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    enum Now { case resume, cancel, wait }
                    let action = state.withLock { s -> Now in
                        if case .cancelled? = s.sleepers[id] { return .cancel }
                        if deadline <= s.now { return .resume }
                        s.sleepers[id] = .waiting(deadline, c)
                        return .wait
                    }
                    switch action {
                    case .resume: c.resume()
                    case .cancel: c.resume(throwing: CancellationError())
                    case .wait: break
                    }
                }
            } onCancel: {
                let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                    switch s.sleepers[id] {
                    case .waiting(_, let c)?:
                        s.sleepers[id] = .cancelled
                        return c
                    case .pending?:
                        s.sleepers[id] = .cancelled
                        return nil
                    default:
                        return nil
                    }
                }
                c?.resume(throwing: CancellationError())
            }
        } catch {
            throw CancellationError()
        }
        if Task.isCancelled { throw CancellationError() }
    }

    /// Moves time forward and wakes the sleepers that are due.
    func advance(by seconds: Double) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now += seconds
            var out: [CheckedContinuation<Void, any Error>] = []
            for (id, sleeper) in s.sleepers {
                if case .waiting(let deadline, let c) = sleeper, deadline <= s.now {
                    out.append(c)
                    s.sleepers[id] = .cancelled
                }
            }
            return out
        }
        for c in due { c.resume() }
    }
}

/// Waits (real time, polling) until `condition` holds; false after `timeout` seconds.
func eventually(timeout: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < .milliseconds(Int(timeout * 1000)) {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}

/// Advances `clock` in `step`s (letting tasks run between steps) until `condition` holds or
/// `total` seconds of clock time passed; returns whether it held.
func advance(_ clock: ManualClock, upTo total: Double, step: Double = 1, until condition: () async -> Bool) async -> Bool {
    var elapsed = 0.0
    while elapsed < total {
        if await condition() { return true }
        clock.advance(by: step)
        elapsed += step
        for _ in 0..<3 {
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
    return await eventually(timeout: 2, condition)
}
