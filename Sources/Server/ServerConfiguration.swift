import HTTP2

/// Every limit of the serving side, explicit.
public struct ServerConfiguration: Sendable {
    /// Open client connections; more are accepted and closed at once.
    public var maxConnections = 10_000
    /// gRPC receive limit (etcd: 1.5 MiB request + 512 KiB overhead).
    public var maxReceiveMessageSize = 2 * 1024 * 1024
    /// Stop pulling watch events for a stream while this much of its output is still queued.
    public var watchStreamOutputHighWater = 512 * 1024
    /// Stop pulling watch events for the connection while this much is held for the peer
    /// (socket buffer plus HTTP/2 flow-control queues).
    public var connectionOutputHighWater = 1024 * 1024
    /// Stop reading from a client while this much is waiting for its socket (it is not
    /// reading its responses); reading resumes when half of it has been written.
    public var socketBacklogPauseBytes = 4 * 1024 * 1024
    /// While this much is held for a peer (socket buffer plus HTTP/2 DATA waiting for its
    /// flow-control credit), its new requests wait, in order, instead of being served
    /// (Connection+Backpressure.swift). Above `connectionOutputHighWater`, so that watches
    /// filling their share never hold requests back.
    public var responseBacklogDeferBytes = 4 * 1024 * 1024
    /// Estimated memory of the requests waiting that way; beyond it the peer (asking without
    /// reading) is cut off with GOAWAY(ENHANCE_YOUR_CALM).
    public var maxDeferredRequestBytes = 4 * 1024 * 1024
    /// A backlog of at least `responseBacklogDeferBytes` that does not shrink for this long is
    /// cut off with GOAWAY(ENHANCE_YOUR_CALM).
    public var backlogStallTimeoutSeconds = 10.0
    /// After a cut-off, the socket is closed once the GOAWAY is written, or after this long.
    public var cutOffGraceSeconds = 1.0
    /// Absolute ceiling on what is held for one peer (one response larger than this cannot be
    /// served): beyond it, GOAWAY(ENHANCE_YOUR_CALM).
    public var maxQueuedResponseBytes = 64 * 1024 * 1024
    /// Bytes read per readiness event before yielding to other connections.
    public var readBudgetPerEvent = 1024 * 1024
    /// A connection that sends nothing decodable within this time after accept is closed.
    public var handshakeTimeoutSeconds = 10.0
    /// Timers: watcher catch-up, lease expiry, history compaction, progress notifications.
    public var watchSyncIntervalMilliseconds = 100
    public var leaseCheckIntervalMilliseconds = 500
    public var compactionIntervalSeconds = 5.0
    public var progressNotifyIntervalSeconds = 600.0
    public var http2 = HTTP2ServerConfiguration()
    /// `GET /clustermesh/v1/status` on the API port: a JSON summary (cluster, readiness, keys,
    /// peers, watchers) for `clustermesh-apiserver status`. Nil: 404.
    public var statusJSON: (@Sendable () -> [UInt8])?

    public init() {}
}
