#if canImport(Glibc)
import Glibc
#endif

extension Socket {
    /// Outcome of starting a non-blocking connect.
    public enum ConnectProgress: Sendable {
        /// Connected at once (typical on loopback).
        case connected
        /// In progress: wait for writability, then check `connectResult()` (connect(2) EINPROGRESS).
        case inProgress
    }

    /// A new non-blocking, close-on-exec TCP socket connecting to `address`. On error the
    /// descriptor is already closed.
    public static func connect(to address: SocketAddress) throws(SocketError) -> (Socket, ConnectProgress) {
        let domain = address.family == .inet6 ? AF_INET6 : AF_INET
        let fd = Glibc.socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.make("socket") }
        let socket = Socket(fd: fd)
        var storage = address.storage
        var rc: Int32
        repeat {
            rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
            }
        } while rc != 0 && errno == EINTR
        if rc == 0 {
            try? socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            return (socket, .connected)
        }
        let code = errno
        guard code == EINPROGRESS || code == EALREADY else {
            socket.close()
            throw SocketError.make("connect", code)
        }
        return (socket, .inProgress)
    }

    /// After an in-progress connect reported writability: nil when connected (TCP_NODELAY is
    /// then set), else the connect error (SO_ERROR).
    public func connectResult() -> SocketError? {
        var soError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) == 0 else { return SocketError.make("getsockopt") }
        guard soError == 0 else { return SocketError.make("connect", soError) }
        try? setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return nil
    }
}
