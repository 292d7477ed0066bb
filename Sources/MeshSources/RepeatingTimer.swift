import Dispatch

/// A repeating Dispatch timer. `@unchecked Sendable`: the only state is the immutable source
/// reference, and Dispatch sources may be resumed and cancelled from any thread.
final class RepeatingTimer: @unchecked Sendable {
    private let source: any DispatchSourceTimer

    /// Starts at once; the first tick comes after `interval` seconds.
    init(interval: Double, queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        let nanoseconds = Int(max(interval, 0.001) * 1e9)
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(
            deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds),
            leeway: .nanoseconds(min(nanoseconds / 10, 100_000_000)))
        source.setEventHandler(handler: handler)
        source.resume()
    }

    /// No handler runs after this returns, except one already executing.
    func cancel() { source.cancel() }

    deinit { source.cancel() }
}
