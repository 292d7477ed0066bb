import Dispatch
import Foundation
import Testing
@testable import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// Every test that opens descriptors runs in this serialized suite: a check that a number is
/// closed must not race another test reusing it.
@Suite(.serialized) enum SocketIOTests {}

/// Test helpers: loopback client sockets (blocking, plain Glibc) and bounded waiting.
enum Loopback {
    /// A blocking TCP client connected to `address` (loopback only).
    static func connect(to address: SocketAddress) -> Int32 {
        let fd = socket(address.family == .inet6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        precondition(rc == 0, "connect: \(errno)")
        return fd
    }

    /// A connected pair of non-blocking stream sockets (AF_UNIX).
    static func pair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        precondition(n == bytes.count)
    }

    /// Closes with RST (SO_LINGER on, timeout 0).
    static func reset(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        Glibc.close(fd)
    }

    static func isOpen(_ fd: Int32) -> Bool {
        fcntl(fd, F_GETFD) != -1
    }

    /// Polls `condition` every 5 ms for at most `seconds`.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }
}

/// A thread-safe counter / log for handler calls.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [PollEvents] = []
    func record(_ e: PollEvents) { lock.lock(); _events.append(e); lock.unlock() }
    var events: [PollEvents] { lock.lock(); defer { lock.unlock() }; return _events }
    var count: Int { events.count }
}
