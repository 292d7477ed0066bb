import Foundation  // Thread
import Dispatch
import Synchronization

/// Keeps one resource in sync with the API server the way client-go's reflector does: a
/// paginated LIST, then a WATCH from the list's resourceVersion with bookmarks, reconnecting
/// from the last seen resourceVersion when the watch ends; a relist after `410 Gone`, a broken
/// event stream or repeated failures; exponential backoff with jitter on errors; a 404 list
/// (CRD not installed) is reported and retried, never fatal.
///
/// Runs on its own thread between `start()` and `stop()`; `onUpdate` and `onLog` are called on
/// that thread, in order.
public final class ListWatcher: Sendable {
    /// The preferred collection.
    public let resource: KubeResource
    /// Other API versions of the same collection, tried in order when the current one answers
    /// 404 (a CRD that serves only an older or newer version); the resource counts as missing
    /// only when none of them is served.
    public let alternatives: [KubeResource]
    public let options: ListWatchOptions
    let client: KubeHTTPClient
    let onUpdate: @Sendable (ListWatchUpdate) -> Void
    let onLog: @Sendable (String) -> Void
    let stopSignal = KubeStopSignal()
    let state = Mutex(ListWatchStatus())
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(
        client: KubeHTTPClient, resource: KubeResource, alternatives: [KubeResource] = [],
        options: ListWatchOptions = ListWatchOptions(),
        onLog: @escaping @Sendable (String) -> Void = { _ in },
        onUpdate: @escaping @Sendable (ListWatchUpdate) -> Void
    ) {
        self.client = client
        self.resource = resource
        self.alternatives = alternatives
        self.options = options
        self.onLog = onLog
        self.onUpdate = onUpdate
    }

    public var status: ListWatchStatus { state.withLock { $0 } }

    /// Starts the loop on a new thread (once).
    public func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "kube-\(resource.plural)"
        thread.start()
    }

    /// Stops the loop and waits (at most `timeout`) for its thread to finish; blocking calls
    /// notice the stop within about 100 ms. Returns false if the thread did not finish in time.
    @discardableResult
    public func stop(timeout: Duration = .seconds(5)) -> Bool {
        stopSignal.stop()
        guard started.load(ordering: .acquiring) else { return true }
        let ms = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard finished.wait(timeout: .now() + .milliseconds(ms)) == .success else { return false }
        finished.signal()  // later stop() calls return at once
        return true
    }

    func update(_ body: (inout ListWatchStatus) -> Void) {
        state.withLock { body(&$0) }
    }

    func log(_ line: String) {
        onLog("\(resource): \(line)")
    }
}

extension ListWatcher {
    /// Signals the loop to stop without waiting (pair with `stop()` to stop several at once).
    public func requestStop() {
        stopSignal.stop()
    }
}
