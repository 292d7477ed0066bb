/// Tuning and bounds of one `ListWatcher`.
public struct ListWatchOptions: Sendable, Equatable {
    /// `limit` of each LIST page.
    public var pageSize: Int
    /// Bound on one LIST page body and on the sum of a whole paginated list.
    public var maxListBytes: Int
    /// Bound on one watch event line.
    public var maxEventBytes: Int
    /// The watch's `timeoutSeconds` is drawn from `[t, 2t]` so resources do not reconnect in step.
    public var watchTimeoutSeconds: Int
    /// Extra silence tolerated beyond `timeoutSeconds` before the watch is considered dead.
    public var watchIdleGrace: Duration
    /// Delay bounds of the exponential backoff after errors.
    public var backoffInitial: Duration
    public var backoffMaximum: Duration
    /// Upper bound of the retry delay while the resource's CRD is missing.
    public var crdRetryMaximum: Duration
    /// Consecutive watch failures (not clean ends) after which the resource is relisted.
    public var failuresBeforeRelist: Int
    /// Times a paginated list restarts from scratch after its continue token expired (410)
    /// before the attempt counts as failed.
    public var maxListRestarts: Int
    /// A watch that ends within this time without events counts as a failure (no hot loop
    /// against a server that closes at once).
    public var minimumHealthyWatch: Duration

    public init(
        pageSize: Int = 500, maxListBytes: Int = 256 << 20, maxEventBytes: Int = 16 << 20,
        watchTimeoutSeconds: Int = 300, watchIdleGrace: Duration = .seconds(30),
        backoffInitial: Duration = .milliseconds(200), backoffMaximum: Duration = .seconds(30),
        crdRetryMaximum: Duration = .seconds(10), failuresBeforeRelist: Int = 3, maxListRestarts: Int = 3,
        minimumHealthyWatch: Duration = .seconds(1)
    ) {
        self.pageSize = max(1, pageSize)
        self.maxListBytes = maxListBytes
        self.maxEventBytes = maxEventBytes
        self.watchTimeoutSeconds = max(1, watchTimeoutSeconds)
        self.watchIdleGrace = watchIdleGrace
        self.backoffInitial = backoffInitial
        self.backoffMaximum = backoffMaximum
        self.crdRetryMaximum = crdRetryMaximum
        self.failuresBeforeRelist = max(1, failuresBeforeRelist)
        self.maxListRestarts = max(0, maxListRestarts)
        self.minimumHealthyWatch = minimumHealthyWatch
    }
}

/// What a `ListWatcher` hands to its consumer, in order, from its own thread.
public enum ListWatchUpdate: Sendable, Equatable {
    /// A complete (paginated) list: the full current set of objects. `relist` is false for the
    /// first one. The consumer replaces everything it holds for the resource with it.
    case listed([KubeRawObject], resourceVersion: String, relist: Bool)
    /// Watch events read together (only `.added`, `.modified`, `.deleted`).
    case events([KubeWatchEvent])
    /// The list answered 404: the resource (CRD) does not exist yet. Retried with backoff.
    case resourceMissing
}

/// Where a `ListWatcher` is in its loop.
public enum ListWatchPhase: String, Sendable, Equatable {
    case idle, listing, watching, backoff, crdMissing, stopped
}

/// Counters and state of one `ListWatcher`, for metrics and logs.
public struct ListWatchStatus: Sendable, Equatable {
    public var phase: ListWatchPhase = .idle
    /// The resourceVersion the next watch resumes from (empty before the first list).
    public var resourceVersion = ""
    public var lastError: String?
    /// Completed lists, the first included.
    public var lists = 0
    /// Completed lists after the first.
    public var relists = 0
    /// Watches re-opened from the last resourceVersion after a clean end.
    public var watchReconnects = 0
    /// 410 Gone answers (expired resourceVersion or continue token).
    public var goneResponses = 0
    /// Watch events delivered.
    public var events = 0
    /// Failed attempts (list or watch).
    public var failures = 0
    /// The API version being listed and watched (one of the watcher's candidates).
    public var version = ""

    public init() {}
}
