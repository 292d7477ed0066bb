import CEpoll
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one owner of one non-blocking descriptor watched by an `EventPoller`.
///
/// **The descriptor rule** (every fd owner in this code base follows it):
///
/// 1. A descriptor has exactly one owner from the moment it exists (socket/accept) to its
///    close. Once it is registered, that owner is its `PollRegistration`, and nothing else
///    closes it: `close()` is the only place the fd is closed.
/// 2. `close()` removes the descriptor from the epoll set (EPOLL_CTL_DEL) *before* closing it,
///    both in one critical section, and exactly once. No epoll_ctl is ever issued for a
///    closed descriptor (every MOD runs under the same lock after checking it is open), so a
///    descriptor number reused by a new connection can never inherit an old registration.
/// 3. Events carry a 64-bit token that is never reused, not the descriptor number: an event
///    taken before the close is dropped (its token is gone, or the registration is closed).
/// 4. The handler runs on the owner's serial queue and never after `close()` returned on that
///    queue. The owner calls `want(_:)` and `close()` from that queue too, and only reads or
///    writes the descriptor there, before `close()`.
///
/// Why not Dispatch read/write sources per socket: on Linux, libdispatch's epoll backend
/// shares one "muxnote" between a descriptor's read and write sources and, after EPOLLHUP
/// (peer reset), acknowledges the deletion on the *source's target queue*, unlinking and
/// freeing the muxnote from a worker thread while the manager thread walks the same lists
/// (swift-corelibs-libdispatch event_epoll.c / source.c; issues #833 and #949 describe the
/// same corruption). That is a `_dispatch_event_loop_drain` crash no owner discipline can
/// prevent. Readiness still comes through Dispatch: one read source on the poller's epoll
/// descriptor, which never hangs up and is never closed while in use.
public final class PollRegistration: Sendable {
    public let fd: Int32
    let token: UInt64
    let queue: DispatchQueue
    /// Strong: the poller's table holds this registration until `close()`, and this keeps a
    /// test's poller alive as long as one of its descriptors is open.
    private let poller: EventPoller
    /// Guards the lifecycle state, the handler and every epoll_ctl/close for this descriptor.
    /// Lock order: never held while taking the poller's table lock (and vice versa).
    private let state: PthreadMutex<Inner>

    private struct Inner {
        var machine = StateMachine()
        var handler: (@Sendable (PollEvents) -> Void)?
    }

    init(fd: Int32, token: UInt64, queue: DispatchQueue, poller: EventPoller,
         handler: @escaping @Sendable (PollEvents) -> Void) {
        self.fd = fd
        self.token = token
        self.queue = queue
        self.poller = poller
        self.state = PthreadMutex(Inner(handler: handler))
    }

    public var isClosed: Bool { state.withLock { $0.machine.isClosed } }

    /// From now on, report `interest` (and always hang-ups and errors).
    public func want(_ interest: PollInterest) {
        state.withLock { inner in
            if case .program(let i) = inner.machine.want(interest) { program(i) }
        }
    }

    /// Deregisters and closes the descriptor; later calls do nothing. See the rule above.
    public func close() {
        let closed: Bool = state.withLock { inner in
            guard case .deregisterAndClose = inner.machine.close() else { return false }
            _ = cepoll_ctl(poller.epfd, CEPOLL_CTL_DEL, fd, 0, 0)
            _ = Glibc.close(fd)
            inner.handler = nil  // releases the owner captured by the handler
            return true
        }
        if closed { poller.forget(token) }
    }

    /// Poller queue: an event for this token was taken from epoll_wait.
    func taken(_ events: PollEvents) {
        let deliver = state.withLock { $0.machine.eventTaken() == .deliver }
        guard deliver else { return }
        queue.async { self.deliver(events) }
    }

    /// Owner queue: run the handler unless closed meanwhile, then re-arm what the owner wants.
    private func deliver(_ events: PollEvents) {
        guard let handler = state.withLock({ $0.machine.isClosed ? nil : $0.handler }) else { return }
        handler(events)
        state.withLock { inner in
            if case .program(let i) = inner.machine.handled() { program(i) }
        }
    }

    /// Called with the lock held and the descriptor open.
    private func program(_ interest: PollInterest) {
        _ = cepoll_ctl(poller.epfd, CEPOLL_CTL_MOD, fd, interest.epollMask, token)
    }
}
