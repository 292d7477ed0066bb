import Dispatch
import Foundation
import Testing
@testable import Sockets
#if canImport(Glibc)
import Glibc
#endif

extension SocketIOTests {
@Suite struct ListenerTests {
    @Test func acceptsEveryConnectionThenStopClosesTheSocket() throws {
        let poller = try EventPoller()
        let queue = DispatchQueue(label: "listener")
        let accepted = Recorder()
        let sockets = SocketBox()
        let listener = try Listener(address: SocketAddress("127.0.0.1:0"), queue: queue, poller: poller) { s, _ in
            sockets.add(s)
            accepted.record(PollEvents(readable: true))
        }
        listener.start()
        #expect(poller.registrationCount == 1)
        var clients: [Int32] = []
        for _ in 0..<50 { clients.append(Loopback.connect(to: listener.address)) }
        #expect(Loopback.eventually { accepted.count == 50 })
        listener.stop()
        #expect(poller.registrationCount == 0)
        #expect(!Loopback.isOpen(listener.socket.fd))
        // Refused now: nothing listens on the port any more.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var storage = listener.address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, listener.address.length) }
        }
        #expect(rc == -1 && errno == ECONNREFUSED)
        Glibc.close(fd)
        listener.stop()  // idempotent
        clients.forEach { Glibc.close($0) }
        sockets.closeAll()
    }

    @Test func stopWithoutStartClosesTheSocket() throws {
        let listener = try Listener(address: SocketAddress("127.0.0.1:0"), queue: DispatchQueue(label: "l")) { s, _ in s.close() }
        let fd = listener.socket.fd
        listener.stop()
        #expect(!Loopback.isOpen(fd))
        listener.start()  // after stop: nothing, and no registration of a closed descriptor
    }
}
}

final class SocketBox: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Socket] = []
    func add(_ s: Socket) { lock.lock(); list.append(s); lock.unlock() }
    func closeAll() { lock.lock(); list.forEach { $0.close() }; list = []; lock.unlock() }
}
