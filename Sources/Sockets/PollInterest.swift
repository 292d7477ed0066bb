import CEpoll

/// What the owner of a descriptor wants to be told about: readable, writable, both or neither.
public struct PollInterest: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = PollInterest(rawValue: 1)
    public static let write = PollInterest(rawValue: 2)

    /// The epoll mask for this interest, always one-shot (the registration is disarmed by the
    /// kernel when an event is taken and re-armed by the owner's registration afterwards).
    /// EPOLLHUP and EPOLLERR are always reported (epoll_ctl(2)), whatever the interest.
    var epollMask: UInt32 {
        var mask = CEPOLL_ONESHOT
        if contains(.read) { mask |= CEPOLL_IN }
        if contains(.write) { mask |= CEPOLL_OUT }
        return mask
    }

    public var description: String {
        switch self {
        case []: return "none"
        case .read: return "read"
        case .write: return "write"
        default: return "read+write"
        }
    }
}

/// What the poller saw on a descriptor. A hang-up or error (`hangup`) means every read and
/// write will now return end-of-file or an error: the owner should try both and close.
public struct PollEvents: Sendable, Equatable {
    public var readable: Bool
    public var writable: Bool
    public var hangup: Bool

    public init(readable: Bool = false, writable: Bool = false, hangup: Bool = false) {
        self.readable = readable
        self.writable = writable
        self.hangup = hangup
    }

    init(epollMask mask: UInt32) {
        readable = mask & (CEPOLL_IN | CEPOLL_PRI) != 0
        writable = mask & CEPOLL_OUT != 0
        hangup = mask & (CEPOLL_HUP | CEPOLL_ERR | CEPOLL_RDHUP) != 0
    }
}
