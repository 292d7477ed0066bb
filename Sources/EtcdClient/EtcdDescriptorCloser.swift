import Sockets
import Synchronization

/// Closes a socket once its last Dispatch source has been cancelled: a descriptor must
/// outlive every source monitoring it (closing it earlier lets the kernel reuse the number
/// while Dispatch still watches it).
final class EtcdDescriptorCloser: Sendable {
    private let socket: Socket
    private let remaining: Atomic<Int>

    init(socket: Socket, sources: Int) {
        self.socket = socket
        self.remaining = Atomic(sources)
    }

    /// Called from each source's cancel handler; the last one closes the descriptor.
    func sourceCancelled() {
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { socket.close() }
    }
}
