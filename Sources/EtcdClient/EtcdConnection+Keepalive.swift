import Dispatch
import HTTP2

/// Keepalive as grpc-go's client does it (`keepalive()` in `http2_client.go`): after
/// `keepaliveTime` without reading anything, send a PING; if nothing at all is read within
/// `keepaliveTimeout` after it, the connection is dead. Dormant while no call is open (unless
/// `keepaliveWithoutCalls`), so an idle connection has no timer at all; otherwise one check
/// per `keepaliveTime`.
extension EtcdConnection {
    /// PING payload of our keepalives (grpc-go sends zeros as well).
    static let keepalivePingData: UInt64 = 0

    func armKeepalive() {
        guard keepaliveWork == nil, phase == .ready || phase == .handshaking else { return }
        schedule(at: lastReadAt + configuration.keepaliveTime.dispatchInterval)
    }

    private func schedule(at deadline: DispatchTime) {
        keepaliveWork?.cancel()
        let work = DispatchWorkItem { [weak self] in self?.keepaliveCheck() }
        keepaliveWork = work
        queue.asyncAfter(deadline: max(deadline, .now()), execute: work)
    }

    private func keepaliveCheck() {
        keepaliveWork = nil
        guard phase == .ready || phase == .handshaking else { return }
        let now = DispatchTime.now()
        if let sentAt = pingSentAt {
            if lastReadAt > sentAt {
                pingSentAt = nil
            } else if now >= sentAt + configuration.keepaliveTimeout.dispatchInterval {
                close(.unavailable("keepalive ping to \(endpoint.authority) failed to receive ACK within \(configuration.keepaliveTimeout)"))
                return
            } else {
                schedule(at: sentAt + configuration.keepaliveTimeout.dispatchInterval)
                return
            }
        }
        if streams.isEmpty && !configuration.keepaliveWithoutCalls {
            return  // dormant until the next call starts
        }
        let due = lastReadAt + configuration.keepaliveTime.dispatchInterval
        guard now >= due else {
            schedule(at: due)
            return
        }
        h2.ping(data: Self.keepalivePingData)
        pingSentAt = now
        flush()
        schedule(at: now + configuration.keepaliveTimeout.dispatchInterval)
    }
}
