import Dispatch
import HPACK
import HTTP2
import Sockets

/// What a connection holds for its peer, and what happens when the peer stops taking it.
///
/// *Held bytes* are our socket output buffer plus HTTP/2 DATA waiting for the peer's
/// flow-control credit. Three rules bound them (limits in `ServerConfiguration`):
///
/// 1. While held bytes are at or above `responseBacklogDeferBytes`, request events (HEADERS,
///    DATA) are not dispatched but kept, in order, and watch streams are not pumped: no new
///    work for a peer that has not taken the last. Reading goes on, so WINDOW_UPDATE, PING and
///    RST_STREAM still arrive (pausing reads on flow-control backlog would deadlock: the credit
///    that drains it would never be read). Reads pause only on the socket buffer
///    (`socketBacklogPauseBytes`, as before).
/// 2. The kept events are bounded by `maxDeferredRequestBytes` (an estimate of their memory):
///    a peer that keeps asking without reading is cut off.
/// 3. A backlog at or above the defer threshold that does not shrink by at least
///    `stallProgressBytes` within `backlogStallTimeoutSeconds` is cut off.
///
/// Cut off = GOAWAY(ENHANCE_YOUR_CALM), every stream and its queued output dropped, and the
/// socket closed once the GOAWAY is written (at most `cutOffGraceSeconds` later).
/// `maxQueuedResponseBytes` stays as an absolute ceiling for one response that alone exceeds it.
extension Connection {
    /// A backlog shrinking by less than this between checks is not progress (a peer reading
    /// only the PING ACKs it provokes does not count as reading).
    static let stallProgressBytes = 16 * 1024

    var heldBytes: Int {
        if case .http2 = proto { return pendingOutputBytes + h2.totalQueuedBytes }
        return pendingOutputBytes
    }

    var hasDeferredEvents: Bool { deferredHead < deferredEvents.count }

    /// Dispatches a codec event now, or keeps it behind earlier kept ones (order is preserved:
    /// a RST_STREAM never overtakes the HEADERS of its stream).
    func admit(_ event: HTTP2Event) {
        if !hasDeferredEvents, !mustDefer(event) {
            if !isStale(event) { process(event) }
            return
        }
        deferredEvents.append(event)
        deferredCost += Self.estimatedMemory(of: event)
        if deferredCost > configuration.maxDeferredRequestBytes {
            cutOff("request backlog limit", held: heldBytes)
        }
    }

    private func mustDefer(_ event: HTTP2Event) -> Bool {
        switch event {
        case .headers, .data: return heldBytes >= configuration.responseBacklogDeferBytes
        case .streamReset, .windowAvailable, .goAway, .connectionError: return false
        }
    }

    /// Dispatches kept events while the backlog allows.
    func resumeDeferred() {
        while hasDeferredEvents {
            // A codec that failed meanwhile (e.g. a flood budget) takes no answers: computing them
            // would be wasted work, possibly a lot of it.
            guard case .http2 = proto, !closeAfterFlush, !h2.isClosed else {
                dropDeferred()
                return
            }
            let event = deferredEvents[deferredHead]
            if mustDefer(event) { break }
            deferredHead += 1
            deferredCost -= Self.estimatedMemory(of: event)
            if !isStale(event) { process(event) }
        }
        if deferredHead == deferredEvents.count {
            dropDeferred()
        } else if deferredHead >= 256, deferredHead * 2 >= deferredEvents.count {
            deferredEvents.removeFirst(deferredHead)
            deferredHead = 0
        }
    }

    /// A request event for a stream the codec no longer has open — reset by the client later in
    /// the same read (Rapid Reset: HEADERS, DATA and RST_STREAM in one packet) or while it
    /// waited — cannot be answered: it is skipped, not served.
    private func isStale(_ event: HTTP2Event) -> Bool {
        switch event {
        case .headers(let id, _, _), .data(let id, _, _):
            guard !h2.isStreamOpen(id) else { return false }
            if case .headers = event, id > highestStreamID { highestStreamID = id }
            return true
        case .streamReset, .windowAvailable, .goAway, .connectionError:
            return false
        }
    }

    private func dropDeferred() {
        deferredEvents = []
        deferredHead = 0
        deferredCost = 0
    }

    /// After a flush: resume kept events once the backlog has drained, and watch for stalls.
    func watchBacklog() {
        guard case .http2 = proto, !closeAfterFlush else { return }
        if hasDeferredEvents, !resumeScheduled, !mustDefer(deferredEvents[deferredHead]) {
            resumeScheduled = true
            queue.async { [weak self] in
                guard let self else { return }
                self.resumeScheduled = false
                self.flush()
            }
        }
        guard !stallCheckScheduled, heldBytes >= configuration.responseBacklogDeferBytes else { return }
        stallMarkBytes = heldBytes
        stallMarkTime = DispatchTime.now().uptimeNanoseconds
        scheduleStallCheck()
    }

    private func scheduleStallCheck() {
        stallCheckScheduled = true
        let interval = max(configuration.backlogStallTimeoutSeconds / 4, 0.01)
        queue.asyncAfter(deadline: .now() + interval) { [weak self] in self?.checkStall() }
    }

    private func checkStall() {
        stallCheckScheduled = false
        guard case .http2 = proto, !closeAfterFlush else { return }
        let held = heldBytes
        guard held >= configuration.responseBacklogDeferBytes else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        if held + Self.stallProgressBytes <= stallMarkBytes {
            stallMarkBytes = held
            stallMarkTime = now
        } else if now &- stallMarkTime >= UInt64(configuration.backlogStallTimeoutSeconds * 1e9) {
            cutOff("response backlog stalled", held: held)
            flush()
            return
        } else {
            stallMarkBytes = max(stallMarkBytes, held)
        }
        scheduleStallCheck()
    }

    /// Ends the connection for exceeding a budget: GOAWAY(ENHANCE_YOUR_CALM), all streams and
    /// their queued output dropped, the socket closed once written (or after a short grace).
    func cutOff(_ reason: String, held: Int) {
        guard case .http2 = proto, !closeAfterFlush else { return }
        logger.warning("closing a connection that exceeds its budget", metadata: [
            "peer": "\(peer)", "reason": "\(reason)", "held": "\(held)", "deferred": "\(deferredCost)"])
        h2.abort(code: .enhanceYourCalm, reason: reason)
        for call in Array(calls.values) { dropCall(call.streamID) }
        for id in Array(gatewayStreams.keys) { dropCall(id) }
        dropDeferred()
        closeAfterFlush = true
        queue.asyncAfter(deadline: .now() + configuration.cutOffGraceSeconds) { [weak self] in self?.close() }
    }

    /// Lingering close (as nghttp2 and Go servers do): with the GOAWAY written, shut down our
    /// side and read and discard the peer's input until it closes or `cutOffGraceSeconds` pass.
    /// Closing at once with unread input makes the kernel answer with a reset, and the peer may
    /// lose the GOAWAY that tells it why. Returns false when the connection is not HTTP/2.
    func beginLingering() -> Bool {
        guard case .http2 = proto else { return false }
        lingering = true
        socket.shutdownWrite()
        readPaused = false
        updateInterest()
        queue.asyncAfter(deadline: .now() + configuration.cutOffGraceSeconds) { [weak self] in self?.close() }
        return true
    }

    /// Input while lingering: discarded; EOF or an error ends the connection.
    func drainLingering() {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        for _ in 0..<16 {
            let result: IOResult<Int>
            do {
                result = try scratch.withUnsafeMutableBytes { try socket.read(into: $0) }
            } catch {
                close()
                return
            }
            switch result {
            case .wouldBlock: return
            case .done(0):
                close()
                return
            case .done: continue
            }
        }
    }

    /// Upper estimate of what a kept event costs in memory.
    static func estimatedMemory(of event: HTTP2Event) -> Int {
        switch event {
        case .headers(_, let fields, _):
            return fields.reduce(128) { $0 + $1.name.utf8.count + $1.value.utf8.count + 64 }
        case .data(_, let bytes, _):
            return 128 + bytes.count
        case .streamReset, .windowAvailable, .goAway, .connectionError:
            return 64
        }
    }
}
