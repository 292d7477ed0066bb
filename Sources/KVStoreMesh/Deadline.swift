import Synchronization

/// The first of several racing completions wins; later ones are dropped.
final class ResumeOnce<T: Sendable>: Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<T, Never>)
        case resolved(T)
        case done
    }

    /// Guards the slot; taken alone.
    private let slot = Mutex(Slot.empty)

    init() {}

    func resolve(_ value: T) {
        let c = slot.withLock { s -> CheckedContinuation<T, Never>? in
            switch s {
            case .empty:
                s = .resolved(value)
                return nil
            case .waiting(let c):
                s = .done
                return c
            case .resolved, .done:
                return nil
            }
        }
        c?.resume(returning: value)
    }

    func value() async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let ready = slot.withLock { s -> T? in
                if case .resolved(let v) = s {
                    s = .done
                    return v
                }
                s = .waiting(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}

enum Deadline {
    /// Runs `operation` with a deadline without ever waiting for it once the deadline passed or
    /// the calling task was cancelled (a remote that ignores cancellation cannot hold us): the
    /// operation runs in its own task, which is cancelled and left behind.
    static func run<T: Sendable>(
        clock: any MeshClock, seconds: Double?,
        _ operation: @escaping @Sendable () async throws(RemoteClientError) -> T
    ) async throws(RemoteClientError) -> T {
        let once = ResumeOnce<Result<T, RemoteClientError>>()
        let work = Task {
            do throws(RemoteClientError) {
                once.resolve(.success(try await operation()))
            } catch {
                once.resolve(.failure(error))
            }
        }
        let timer: Task<Void, Never>? = seconds.map { s in
            Task {
                do throws(CancellationError) {
                    try await clock.sleep(for: s)
                    once.resolve(.failure(.deadlineExceeded))
                } catch {}
            }
        }
        let result = await withTaskCancellationHandler {
            await once.value()
        } onCancel: {
            once.resolve(.failure(.closed))
        }
        work.cancel()
        timer?.cancel()
        return try result.get()
    }
}
