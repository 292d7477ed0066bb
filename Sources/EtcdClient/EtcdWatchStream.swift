import Dispatch
import EtcdProto
import GRPCWire

/// One gRPC `Watch` stream multiplexing many watches (as clientv3 and Cilium do: every watch
/// of a client on one stream). Creates are pipelined and answered in FIFO order; responses are
/// routed by watch id; a progress response with watch id -1 goes to every watcher.
///
/// Resume (clientv3 semantics): when the stream breaks with Unavailable or Internal (the
/// connection was cut, the server restarted or sent GOAWAY) and `resumeWatches` is on, a new
/// stream is opened (after a jittered backoff, plus the client's connection backoff) and every
/// live watcher is re-created from its next revision (last event's mod revision + 1, else the
/// last header revision + 1). A start revision the server compacted meanwhile comes back as
/// `.canceled(compactRevision:)`, i.e. `EtcdClientError.compacted`. Other errors (and
/// `etcdserver: no leader`, and a stream the server ends with OK) end every watcher with it.
///
/// Backpressure: decoded responses wait in their watcher's buffer. Once more than
/// `watchBufferLimitBytes` are buffered on the stream, received DATA is no longer returned as
/// HTTP/2 stream credit; when consumers bring it under half, the held-back credit is returned.
/// So a consumer that does not pull stops the server after one stream window: at most
/// limit + `http2.initialStreamWindowSize` + one message are held per stream (the other
/// watchers of the stream stall too: they share its window).
///
/// State is owned by the client's queue.
public final class EtcdWatchStream: @unchecked Sendable {
    public static let path = "/etcdserverpb.Watch/Watch"

    let client: EtcdClient
    var queue: DispatchQueue { client.queue }

    // Owned by the client's queue:
    var call: EtcdCall?
    /// Live watchers in creation order (re-created in this order on resume).
    var watchers: [EtcdWatcher] = []
    var byID: [Int64: EtcdWatcher] = [:]
    /// Watchers whose create was sent on the current stream and is not answered yet.
    var pendingCreates: [EtcdWatcher] = []
    /// Ids we already sent a cancel for (unknown or cancelled watches).
    var cancelledIDs: Set<Int64> = []
    var bufferedBytes = 0
    var consecutiveFailures = 0
    /// Incremented per gRPC stream: buffered updates of an earlier stream hold no credit of
    /// the current one.
    var generation = 0
    var resumeWork: DispatchWorkItem?
    var end: EtcdWatcher.End?

    init(client: EtcdClient) {
        self.client = client
    }

    /// Creates a watch and waits for the server's `created` answer. A create the server
    /// rejects (e.g. an empty range) still returns a watcher, whose first update is the
    /// `.canceled` with the server's reason. Throws `.closed` once the stream (or the client)
    /// was closed, and the stream's error once it failed for good.
    public func watch(_ request: EtcdWatchRequest) async throws(EtcdClientError) -> EtcdWatcher {
        let watcher = EtcdWatcher(request: request, stream: self)
        let result: Result<Void, EtcdClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async { [self] in
                    watcher.createWaiter = continuation
                    add(watcher)
                }
            }
        } onCancel: {
            queue.async { [self] in
                if let waiter = watcher.createWaiter {
                    watcher.createWaiter = nil
                    waiter.resume(returning: .failure(.cancelled))
                }
                cancelWatcher(watcher)
            }
        }
        try result.get()
        return watcher
    }

    /// Asks the server for a progress notification (WatchProgressRequest): every watcher gets
    /// `.progress` once the server has sent everything up to its current revision.
    public func requestProgress() {
        queue.async { [self] in
            guard let call, end == nil else { return }
            var request = Etcdserverpb_WatchRequest()
            request.progressRequest = Etcdserverpb_WatchProgressRequest()
            send(request, on: call)
        }
    }

    /// Ends every watcher (their `next()` returns nil) and the gRPC stream.
    public func close() {
        queue.async { [self] in shutDown(.finished) }
    }

    // MARK: On the client's queue

    func add(_ watcher: EtcdWatcher) {
        if let end {
            // A closed stream takes no new watches.
            switch end {
            case .finished: watcher.finish(.failed(.closed))
            case .failed: watcher.finish(end)
            }
            return
        }
        watchers.append(watcher)
        client.watchStreams[ObjectIdentifier(self)] = self
        if let call {
            sendCreate(for: watcher, on: call)
        } else if resumeWork == nil {
            openStream()
        }
    }

    func clientClosed() {
        shutDown(.finished)
    }

    func shutDown(_ how: EtcdWatcher.End) {
        guard end == nil else { return }
        end = how
        resumeWork?.cancel()
        resumeWork = nil
        let current = watchers
        watchers.removeAll()
        byID.removeAll()
        pendingCreates.removeAll()
        for watcher in current { watcher.finish(how) }
        if let call {
            self.call = nil
            client.end(call, with: .closed)
        }
        client.watchStreams.removeValue(forKey: ObjectIdentifier(self))
    }

    /// Opens a gRPC stream and (re-)creates every live watcher on it, in order.
    func openStream() {
        guard end == nil, call == nil, !watchers.isEmpty else { return }
        let metadata = client.configuration.watchRequireLeader ? [GRPCHeader("hasleader", "true")] : []
        let call = EtcdCall(path: Self.path, metadata: metadata, streaming: true, deadline: nil)
        self.call = call
        generation += 1
        byID.removeAll()
        pendingCreates.removeAll()
        cancelledIDs.removeAll()
        call.onMessage = { [weak self, weak call] message, bytes in
            guard let self, let call, call === self.call else { return }
            self.received(message, bytes: bytes)
        }
        call.onEnd = { [weak self, weak call] outcome in
            guard let self, let call, call === self.call else { return }
            self.streamEnded(outcome)
        }
        for watcher in watchers { sendCreate(for: watcher, on: call) }
        client.submit(call)
    }

    private func sendCreate(for watcher: EtcdWatcher, on call: EtcdCall) {
        watcher.watchID = nil
        pendingCreates.append(watcher)
        send(watcher.request.createMessage(startRevision: watcher.nextRevision), on: call)
    }

    private func send(_ request: Etcdserverpb_WatchRequest, on call: EtcdCall) {
        guard let bytes = try? request.serializedBytes() as [UInt8] else { return }
        client.send(bytes, on: call, endStream: false)
    }

    func cancelWatcher(_ watcher: EtcdWatcher) {
        guard !watcher.isEnded else { return }
        watcher.cancelRequested = true
        watcher.dropBuffer()
        watcher.finish(.finished)
        watchers.removeAll { $0 === watcher }
        if let id = watcher.watchID {
            byID.removeValue(forKey: id)
            sendCancel(id)
        }
        // A create still in flight is cancelled when its `created` arrives (FIFO slot kept).
        if watchers.isEmpty, pendingCreates.isEmpty, let call {
            // clientv3 closes the gRPC stream once no watcher is left on it.
            self.call = nil
            client.end(call, with: .cancelled)
        }
    }

    func sendCancel(_ id: Int64) {
        guard let call, cancelledIDs.insert(id).inserted else { return }
        var request = Etcdserverpb_WatchRequest()
        var cancel = Etcdserverpb_WatchCancelRequest()
        cancel.watchID = id
        request.cancelRequest = cancel
        send(request, on: call)
    }

    /// Credit bookkeeping when a consumer took (or we dropped) an update of `bytes` received
    /// on stream `generation`.
    func consumed(_ bytes: Int, generation: Int) {
        guard bytes > 0 else { return }
        bufferedBytes = max(0, bufferedBytes - bytes)
        guard generation == self.generation, let call, call.creditPaused,
              bufferedBytes <= client.configuration.watchBufferLimitBytes / 2 else { return }
        call.creditPaused = false
        if let connection = call.connection, let id = call.streamID { connection.resumeCredit(on: id) }
    }
}
