import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Accepts connections on a listening socket, driven by a Dispatch read source (no thread
/// per connection, no blocking accept).
///
/// `maxConnections` is enforced by the caller through `shouldAccept`; connections beyond it
/// are accepted and closed at once so the backlog does not fill with them.
public final class Listener: @unchecked Sendable {
    public let socket: Socket
    public let address: SocketAddress
    private let queue: DispatchQueue
    private var source: (any DispatchSourceRead)?
    private let onAccept: @Sendable (Socket, SocketAddress) -> Void

    public init(address: SocketAddress, queue: DispatchQueue, onAccept: @escaping @Sendable (Socket, SocketAddress) -> Void) throws(SocketError) {
        socket = try Socket.listen(on: address)
        self.address = try socket.localAddress()
        self.queue = queue
        self.onAccept = onAccept
    }

    public func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
        let socket = self.socket
        source.setEventHandler { [weak self] in self?.acceptPending() }
        source.setCancelHandler { socket.close() }
        self.source = source
        source.resume()
    }

    /// Stops accepting; the listening socket is closed.
    public func stop() {
        queue.sync {
            source?.cancel()
            source = nil
        }
    }

    private func acceptPending() {
        // Bounded per wake-up so one busy listener cannot starve its queue.
        for _ in 0..<256 {
            do {
                switch try socket.accept() {
                case .wouldBlock: return
                case .done(let (client, peer)): onAccept(client, peer)
                }
            } catch {
                // EMFILE/ENFILE and friends: stop for this wake-up; the source fires again.
                return
            }
        }
    }
}
