import CEpoll
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Readiness for every socket of the process: one epoll set of our own, watched by a single
/// Dispatch read source, whose events are handed to each descriptor's owner queue.
///
/// Registrations are one-shot (EPOLLONESHOT) and level-triggered: when an event is taken the
/// kernel disarms the descriptor until its `PollRegistration` re-arms the owner's interest
/// after the handler ran, so a descriptor never has two events in flight from one arming and
/// an owner that did not finish reading is woken again. See `PollRegistration` for the
/// descriptor rule.
public final class EventPoller: @unchecked Sendable {
    /// The process-wide poller (its epoll descriptor lives as long as the process).
    public static let shared: EventPoller = {
        do { return try EventPoller() } catch { fatalError("epoll_create1 failed: \(error)") }
    }()

    /// Events taken per epoll_wait call, and calls per wake-up (the source fires again while
    /// the set stays ready, so a burst cannot starve the poller queue).
    public static let eventsPerWait: Int32 = 128
    public static let waitsPerWakeUp = 8

    let epfd: Int32
    private let queue = DispatchQueue(label: "sockets.poller", qos: .userInitiated)
    /// Created in init, cancelled in deinit; its cancel handler closes the epoll descriptor.
    private let source: any DispatchSourceRead
    private let nextToken = Atomic<UInt64>(1)
    /// token → registration. Guards the registry only; never held while calling into a
    /// registration's lock, and a registration never calls `forget` with its own lock held.
    private let table = PthreadMutex<[UInt64: PollRegistration]>([:])

    public init() throws(SocketError) {
        let fd = cepoll_create()
        guard fd >= 0 else { throw SocketError.make("epoll_create1") }
        epfd = fd
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.drain() }
        source.setCancelHandler { _ = Glibc.close(fd) }
        source.resume()
    }

    /// Registers `fd` (which the registration then owns and eventually closes) with no
    /// interest yet; `handler` runs on `queue` for each event. On failure the descriptor is
    /// still the caller's.
    public func register(fd: Int32, queue: DispatchQueue,
                         handler: @escaping @Sendable (PollEvents) -> Void) throws(SocketError) -> PollRegistration {
        let token = nextToken.add(1, ordering: .relaxed).oldValue
        let registration = PollRegistration(fd: fd, token: token, queue: queue, poller: self, handler: handler)
        table.withLock { $0[token] = registration }
        guard cepoll_ctl(epfd, CEPOLL_CTL_ADD, fd, PollInterest([]).epollMask, token) == 0 else {
            let error = SocketError.make("epoll_ctl")
            forget(token)
            throw error
        }
        return registration
    }

    /// A poller goes away only when no registration is open (each holds it strongly).
    deinit {
        source.cancel()
    }

    /// Open registrations (for tests and diagnostics).
    public var registrationCount: Int { table.withLock { $0.count } }

    func forget(_ token: UInt64) {
        _ = table.withLock { $0.removeValue(forKey: token) }
    }

    private func drain() {
        let capacity = Int(Self.eventsPerWait)
        var tokens = [UInt64](repeating: 0, count: capacity)
        var masks = [UInt32](repeating: 0, count: capacity)
        for _ in 0..<Self.waitsPerWakeUp {
            let n = tokens.withUnsafeMutableBufferPointer { t in
                masks.withUnsafeMutableBufferPointer { m in
                    cepoll_poll(epfd, t.baseAddress, m.baseAddress, Self.eventsPerWait)
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            for i in 0..<Int(n) {
                let registration = table.withLock { $0[tokens[i]] }
                registration?.taken(PollEvents(epollMask: masks[i]))
            }
            if n < Self.eventsPerWait { return }
        }
    }
}
