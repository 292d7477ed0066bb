import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accepts connections on a listening socket, driven by the `EventPoller` (no thread per
/// connection, no blocking accept).
///
/// `maxConnections` is enforced by the caller through `onAccept`; connections beyond it
/// are accepted and closed at once so the backlog does not fill with them.
/// Descriptors follow `PollRegistration`'s rule: the registration owns the listening socket
/// from `start()` on and closes it in `stop()`; each accepted socket is the callee's.
public final class Listener: Sendable {
    public let socket: Socket
    public let address: SocketAddress
    private let queue: DispatchQueue
    private let poller: EventPoller
    /// Guards the registration: set once by `start()`, closed by `stop()`.
    private let registration = PthreadMutex<PollRegistration?>(nil)
    /// Whether `stop()` ran (a `start()` after it does nothing; the socket is already closed).
    private let stopped = PthreadMutex(false)
    private let onAccept: @Sendable (Socket, SocketAddress) -> Void

    /// Accepts per wake-up, so one busy listener cannot starve its queue.
    public static let acceptsPerWakeUp = 256
    /// How long accepting pauses when the process is out of descriptors (EMFILE/ENFILE) or
    /// memory, instead of spinning on a listening socket that stays readable.
    public static let exhaustedBackoff: DispatchTimeInterval = .milliseconds(100)

    public init(address: SocketAddress, queue: DispatchQueue, poller: EventPoller = .shared,
                onAccept: @escaping @Sendable (Socket, SocketAddress) -> Void) throws(SocketError) {
        socket = try Socket.listen(on: address)
        do {
            self.address = try socket.localAddress()
        } catch {
            socket.close()
            throw error
        }
        self.queue = queue
        self.poller = poller
        self.onAccept = onAccept
    }

    public func start() {
        guard !stopped.withLock({ $0 }) else { return }
        do {
            let r = try poller.register(fd: socket.fd, queue: queue) { [weak self] events in
                self?.acceptPending()
            }
            registration.withLock { $0 = r }
            r.want(.read)
        } catch {
            // Not registered: the socket is still ours to close.
            stopped.withLock { $0 = true }
            socket.close()
        }
    }

    /// Stops accepting; the listening socket is closed. Safe from any thread but `queue`.
    public func stop() {
        queue.sync {
            let alreadyStopped = stopped.withLock { s in
                defer { s = true }
                return s
            }
            if let r = registration.withLock({ $0 }) {
                r.close()
            } else if !alreadyStopped {
                socket.close()  // never started
            }
        }
    }

    /// Runs on `queue`; the registration re-arms `.read` afterwards unless paused.
    private func acceptPending() {
        guard let r = registration.withLock({ $0 }), !r.isClosed else { return }
        for _ in 0..<Self.acceptsPerWakeUp {
            do {
                switch try socket.accept() {
                case .wouldBlock: return
                case .done(let (client, peer)): onAccept(client, peer)
                }
            } catch {
                if case .failed(_, let code, _) = error, code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    r.want([])
                    queue.asyncAfter(deadline: .now() + Self.exhaustedBackoff) { r.want(.read) }
                }
                // ECONNABORTED and friends: that connection is gone; the next wake-up goes on.
                return
            }
        }
    }
}
