import Dispatch
import EtcdProto
import GRPCWire

extension EtcdWatchStream {
    /// Routes one WatchResponse (clientv3 `watchGrpcStream.run` / `serveSubstream` rules).
    func received(_ message: [UInt8], bytes: Int) {
        consecutiveFailures = 0
        guard let response = try? Etcdserverpb_WatchResponse(serializedBytes: message), response.hasHeader else {
            // Ending the call reports back through `streamEnded` (Cilium's interceptor refuses a
            // reply without header too).
            if let call { client.end(call, with: .invalidResponse("etcdserverpb.WatchResponse without header or undecodable")) }
            return
        }
        let header = EtcdResponseHeader(response.header)
        if response.created {
            guard !pendingCreates.isEmpty else {
                return
            }
            let watcher = pendingCreates.removeFirst()
            created(watcher, response, header, bytes: bytes)
            return
        }
        if response.watchID == -1 {
            // A progress reply to WatchProgressRequest (3.5): for every watcher.
            for watcher in watchers where watcher.watchID != nil {
                watcher.nextRevision = max(watcher.nextRevision, header.revision + 1)
                watcher.deliver(.progress(header), bytes: 0, generation: generation)
            }
            return
        }
        guard let watcher = byID[response.watchID] else {
            // clientv3 cancels watches it does not know (e.g. cancelled locally).
            if !response.canceled { sendCancel(response.watchID) }
            return
        }
        if response.canceled || response.compactRevision != 0 {
            byID.removeValue(forKey: response.watchID)
            watchers.removeAll { $0 === watcher }
            enqueue(.canceled(header, compactRevision: response.compactRevision, reason: response.cancelReason),
                    to: watcher, bytes: bytes)
            watcher.finish(.finished)
            return
        }
        if let last = response.events.last {
            watcher.nextRevision = last.kv.modRevision + 1
            enqueue(.events(header, response.events.map(EtcdEvent.init)), to: watcher, bytes: bytes)
        } else {
            watcher.nextRevision = max(watcher.nextRevision, header.revision + 1)
            enqueue(.progress(header), to: watcher, bytes: bytes)
        }
    }

    private func created(_ watcher: EtcdWatcher, _ response: Etcdserverpb_WatchResponse, _ header: EtcdResponseHeader,
                         bytes: Int) {
        if watcher.isEnded || watcher.cancelRequested {
            if response.watchID != -1 && !response.canceled { sendCancel(response.watchID) }
            closeIfIdle()
            return
        }
        if response.canceled || response.watchID == -1 {
            watchers.removeAll { $0 === watcher }
            if watcher.createdHeader == nil { watcher.createdHeader = header }
            enqueue(.canceled(header, compactRevision: response.compactRevision, reason: response.cancelReason),
                    to: watcher, bytes: bytes)
            resolveCreate(watcher)
            watcher.finish(.finished)
            return
        }
        watcher.watchID = response.watchID
        byID[response.watchID] = watcher
        if watcher.createdHeader == nil {
            watcher.createdHeader = header
            // A watch "from now" resumes after the revision it was created at.
            if watcher.request.startRevision == 0 { watcher.nextRevision = header.revision + 1 }
        }
        resolveCreate(watcher)
    }

    private func resolveCreate(_ watcher: EtcdWatcher) {
        guard let waiter = watcher.createWaiter else { return }
        watcher.createWaiter = nil
        waiter.resume(returning: .success(()))
    }

    private func enqueue(_ update: EtcdWatchUpdate, to watcher: EtcdWatcher, bytes: Int) {
        bufferedBytes += bytes
        if bufferedBytes > client.configuration.watchBufferLimitBytes, let call { call.creditPaused = true }
        watcher.deliver(update, bytes: bytes, generation: generation)
    }

    /// The last watcher left while its create was in flight: drop the stream.
    private func closeIfIdle() {
        guard watchers.isEmpty, pendingCreates.isEmpty, let call else { return }
        self.call = nil
        client.end(call, with: .cancelled)
    }

    /// The gRPC stream ended: resume (Unavailable/Internal, not "no leader") or end every
    /// watcher with the error.
    func streamEnded(_ outcome: EtcdCall.Outcome) {
        call = nil
        byID.removeAll()
        let failure: EtcdClientError
        switch outcome {
        case .ok:
            failure = .transport(GRPCStatus(.unknown, "watch stream ended by the server without an error (EOF)"))
        case .failed(let error), .notProcessed(let error):
            failure = error
        }
        if case .closed = failure {
            shutDown(.finished)
            return
        }
        let code = failure.code
        let resumable = (code == .unavailable || code == .internalError) && failure.status.message != EtcdErrorText.noLeader
        guard resumable, client.configuration.resumeWatches, end == nil else {
            shutDown(.failed(failure))
            return
        }
        // Watchers whose create was never answered are re-created like the others.
        pendingCreates.removeAll()
        let delay = client.configuration.backoff.delay(attempt: consecutiveFailures, using: &client.random)
        consecutiveFailures += 1
        client.logger.info("etcd watch stream broken, resuming", metadata: [
            "error": "\(failure)", "watchers": "\(watchers.count)", "delay": "\(delay)"])
        guard !watchers.isEmpty else { return }
        let work = DispatchWorkItem { [weak self] in
            guard let self else { return }
            self.resumeWork = nil
            self.openStream()
        }
        resumeWork = work
        queue.asyncAfter(deadline: .now() + delay.dispatchInterval, execute: work)
    }
}
