import Dispatch

/// One watch (one server watch id at a time) multiplexed on an `EtcdWatchStream`.
///
/// `next()` yields events, progress notifications and a final `.canceled`; it returns nil once
/// the watch is over (after the server's cancel, our `cancel()`, or the client's `close()`)
/// and throws when the stream failed for good. Only one `next()` may wait at a time.
///
/// State is owned by the client's queue.
public final class EtcdWatcher: @unchecked Sendable {
    enum End {
        case finished
        case failed(EtcdClientError)
    }

    public let request: EtcdWatchRequest
    let stream: EtcdWatchStream
    var queue: DispatchQueue { stream.client.queue }

    // Owned by the client's queue:
    /// The server's id on the current gRPC stream (nil until created, and while resuming).
    var watchID: Int64?
    var createdHeader: EtcdResponseHeader?
    /// Where a resumed watch starts: clientv3's bookkeeping (`serveSubstream`).
    var nextRevision: Int64
    var buffer: [(update: EtcdWatchUpdate, bytes: Int, generation: Int)] = []
    var bufferHead = 0
    var end: End?
    var cancelRequested = false
    var waiter: CheckedContinuation<Result<EtcdWatchUpdate?, EtcdClientError>, Never>?
    var createWaiter: CheckedContinuation<Result<Void, EtcdClientError>, Never>?

    init(request: EtcdWatchRequest, stream: EtcdWatchStream) {
        self.request = request
        self.stream = stream
        self.nextRevision = request.startRevision
    }

    /// The next update; nil when the watch is over.
    public func next() async throws(EtcdClientError) -> EtcdWatchUpdate? {
        let result: Result<EtcdWatchUpdate?, EtcdClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async { [self] in pull(continuation) }
            }
        } onCancel: {
            queue.async { [self] in
                waiter?.resume(returning: .failure(.cancelled))
                waiter = nil
            }
        }
        return try result.get()
    }

    /// Stops the watch: the server is sent a cancel, `next()` returns nil from now on.
    public func cancel() {
        queue.async { [self] in stream.cancelWatcher(self) }
    }

    /// The watch id the server gave on the current stream, and the header of the first
    /// `created` response.
    public func created() async -> (watchID: Int64?, header: EtcdResponseHeader?) {
        await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: (watchID, createdHeader)) }
        }
    }

    // MARK: On the client's queue

    var isEnded: Bool { end != nil }
    var bufferedCount: Int { buffer.count - bufferHead }

    private func pull(_ continuation: CheckedContinuation<Result<EtcdWatchUpdate?, EtcdClientError>, Never>) {
        guard waiter == nil else {
            continuation.resume(returning: .failure(.invalidRequest("next() is already waiting on this watcher")))
            return
        }
        if bufferHead < buffer.count {
            let entry = buffer[bufferHead]
            bufferHead += 1
            if bufferHead == buffer.count {
                buffer.removeAll(keepingCapacity: buffer.capacity <= 16)
                bufferHead = 0
            } else if bufferHead >= 64, bufferHead * 2 >= buffer.count {
                buffer.removeFirst(bufferHead)
                bufferHead = 0
            }
            stream.consumed(entry.bytes, generation: entry.generation)
            continuation.resume(returning: .success(entry.update))
            return
        }
        switch end {
        case .finished?: continuation.resume(returning: .success(nil))
        case .failed(let error)?: continuation.resume(returning: .failure(error))
        case nil: waiter = continuation
        }
    }

    /// Queues an update (or hands it to a waiting `next()`); `bytes` is its share of stream
    /// credit, accounted by the stream until consumed.
    func deliver(_ update: EtcdWatchUpdate, bytes: Int, generation: Int) {
        if let waiter {
            self.waiter = nil
            stream.consumed(bytes, generation: generation)
            waiter.resume(returning: .success(update))
            return
        }
        buffer.append((update, bytes, generation))
    }

    /// Finishes the watcher; buffered updates are still returned first.
    func finish(_ how: End) {
        guard end == nil else { return }
        end = how
        if let createWaiter {
            self.createWaiter = nil
            switch how {
            case .finished: createWaiter.resume(returning: .success(()))
            case .failed(let error): createWaiter.resume(returning: .failure(error))
            }
        }
        guard let waiter, bufferHead == buffer.count else { return }
        self.waiter = nil
        switch how {
        case .finished: waiter.resume(returning: .success(nil))
        case .failed(let error): waiter.resume(returning: .failure(error))
        }
    }

    /// Drops buffered updates (our cancel / close): their credit is released.
    func dropBuffer() {
        let entries = buffer[bufferHead...]
        buffer.removeAll()
        bufferHead = 0
        for entry in entries { stream.consumed(entry.bytes, generation: entry.generation) }
    }
}
