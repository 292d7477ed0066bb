#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP socket: a thin value around a file descriptor.
///
/// The owner closes it exactly once with `close()`.
public struct Socket: Sendable {
    public let fd: Int32

    public init(fd: Int32) {
        self.fd = fd
    }

    /// A listening socket bound to `address`, non-blocking, with SO_REUSEADDR.
    public static func listen(on address: SocketAddress, backlog: Int32 = 1024) throws(SocketError) -> Socket {
        let domain = address.family == .inet6 ? AF_INET6 : AF_INET
        let fd = Glibc.socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.make("socket") }
        let socket = Socket(fd: fd)
        do throws(SocketError) {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            if address.family == .inet6 { try socket.setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            var storage = address.storage
            let rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, address.length) }
            }
            guard rc == 0 else { throw SocketError.make("bind") }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError.make("listen") }
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// The address the socket is bound to (useful after binding port 0).
    public func localAddress() throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw SocketError.make("getsockname") }
        return SocketAddress(storage: storage, length: length)
    }

    /// Accepts one pending connection as a non-blocking socket with TCP_NODELAY.
    public func accept() throws(SocketError) -> IOResult<(Socket, SocketAddress)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try syscall("accept4") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
            }
        }
        switch result {
        case .wouldBlock: return .wouldBlock
        case .done(let client):
            let s = Socket(fd: client)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            try? s.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            return .done((s, SocketAddress(storage: storage, length: length)))
        }
    }

    /// Reads into `buffer`; `.done(0)` means the peer closed its side.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> IOResult<Int> {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes as much of `bytes` as the kernel takes now.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult<Int> {
        try syscall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    public func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
        var v = value
        guard setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.make("setsockopt")
        }
    }

    public func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    public func close() {
        _ = Glibc.close(fd)
    }
}
