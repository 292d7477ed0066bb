extension PollRegistration {
    /// The lifecycle of one registered descriptor, without syscalls: which epoll mask to
    /// program when, and that the descriptor is deregistered and closed exactly once.
    ///
    /// States: `open(wanted, armed)` → `closed`. `wanted` is what the owner asked for, `armed`
    /// what the kernel registration currently holds. The kernel disarms a registration when
    /// the poller takes an event for it (EPOLLONESHOT), so `armed` becomes empty at that
    /// moment and the registration re-arms `wanted` once the owner's handler has run.
    ///
    /// Invariant: `armed` non-empty implies the kernel registration is armed with it (the
    /// poller records a taken event before delivering it), so no wake-up is ever lost; the
    /// opposite mismatch (kernel armed, `armed` empty) only costs one redundant epoll_ctl.
    struct StateMachine: Sendable, Equatable {
        enum State: Sendable, Equatable {
            case open(wanted: PollInterest, armed: PollInterest)
            case closed
        }

        private(set) var state: State = .open(wanted: [], armed: [])

        init() {}

        /// What the owner must do next with the kernel registration.
        enum OnChange: Sendable, Equatable {
            /// epoll_ctl(EPOLL_CTL_MOD) with this interest's mask.
            case program(PollInterest)
            case none
        }

        enum OnEventTaken: Sendable, Equatable {
            /// Deliver the event to the owner's handler on the owner's queue.
            case deliver
            /// The descriptor was closed since: drop the event.
            case drop
        }

        enum OnClose: Sendable, Equatable {
            /// epoll_ctl(EPOLL_CTL_DEL), then close(2): the only time either happens.
            case deregisterAndClose
            /// Already closed: nothing to do.
            case none
        }

        var isClosed: Bool { state == .closed }

        /// The owner wants `interest` from now on.
        mutating func want(_ interest: PollInterest) -> OnChange {
            guard case .open(_, let armed) = state else { return .none }
            state = .open(wanted: interest, armed: armed)
            return sync()
        }

        /// The poller took an event for this descriptor: the kernel disarmed the registration.
        mutating func eventTaken() -> OnEventTaken {
            guard case .open(let wanted, _) = state else { return .drop }
            state = .open(wanted: wanted, armed: [])
            return .deliver
        }

        /// The owner's handler ran: re-arm what it wants now.
        mutating func handled() -> OnChange {
            sync()
        }

        mutating func close() -> OnClose {
            guard case .open = state else { return .none }
            state = .closed
            return .deregisterAndClose
        }

        private mutating func sync() -> OnChange {
            guard case .open(let wanted, let armed) = state, wanted != armed else { return .none }
            state = .open(wanted: wanted, armed: wanted)
            return .program(wanted)
        }
    }
}
