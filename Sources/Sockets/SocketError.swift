#if canImport(Glibc)
import Glibc
#endif

/// A failed socket system call, with the call's name, errno and the C library's text.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    case failed(call: String, errno: Int32, message: String)
    case invalidAddress(String)

    static func make(_ call: String, _ code: Int32 = errno) -> SocketError {
        .failed(call: call, errno: code, message: String(cString: strerror(code)))
    }

    public var description: String {
        switch self {
        case .failed(let call, let code, let message): return "\(call) failed: \(message) (errno \(code))"
        case .invalidAddress(let s): return "invalid address \(s)"
        }
    }
}

/// The result of a non-blocking call that may have to wait for readiness.
public enum IOResult<T: Sendable>: Sendable {
    case done(T)
    case wouldBlock
}

/// The one door for system calls: retries EINTR, maps EAGAIN/EWOULDBLOCK to `.wouldBlock`,
/// throws anything else with errno and its text.
@inline(__always)
func syscall<T: BinaryInteger & Sendable>(_ name: String, _ body: () -> T) throws(SocketError) -> IOResult<T> {
    while true {
        let r = body()
        if r >= 0 { return .done(r) }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        throw SocketError.make(name, code)
    }
}
