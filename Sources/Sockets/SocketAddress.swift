#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address parsed from `HOST:PORT` (`[::1]:2379`, `127.0.0.1:2379`,
/// `localhost:2379`, `:2379` for every IPv4 address).
public struct SocketAddress: Sendable, CustomStringConvertible {
    public enum Family: Sendable { case inet, inet6 }
    public let host: String
    public let port: UInt16
    public let family: Family
    let storage: sockaddr_storage
    let length: socklen_t

    public init(_ text: String) throws(SocketError) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidAddress(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .invalidAddress(text) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .invalidAddress(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { throw .invalidAddress(text) }
        if host.isEmpty { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        try self.init(host: String(host), port: port)
    }

    public init(host: String, port: UInt16) throws(SocketError) {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Family = .inet
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr = v4
            storage = Self.store(sin)
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_addr = v6
            storage = Self.store(sin6)
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = .inet6
        } else {
            throw .invalidAddress(host)
        }
        self.host = host
        self.port = port
        self.family = family
        self.storage = storage
        self.length = length
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
        if Int32(storage.ss_family) == AF_INET6 {
            let sin6 = Self.load(storage, as: sockaddr_in6.self)
            host = Self.presentation(AF_INET6, sin6.sin6_addr)
            port = UInt16(bigEndian: sin6.sin6_port)
            family = .inet6
        } else {
            let sin = Self.load(storage, as: sockaddr_in.self)
            host = Self.presentation(AF_INET, sin.sin_addr)
            port = UInt16(bigEndian: sin.sin_port)
            family = .inet
        }
    }

    /// A `sockaddr_in`/`sockaddr_in6` stored in a `sockaddr_storage`.
    private static func store<T>(_ address: T) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            withUnsafeBytes(of: address) { dst.copyMemory(from: $0) }
        }
        return storage
    }

    private static func load<T>(_ storage: sockaddr_storage, as type: T.Type) -> T {
        withUnsafeBytes(of: storage) { $0.loadUnaligned(as: T.self) }
    }

    /// `inet_ntop` of an `in_addr`/`in6_addr`.
    private static func presentation<A>(_ family: Int32, _ address: A) -> String {
        var a = address
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(family, &a, &buffer, socklen_t(buffer.count))
        return text(buffer)
    }

    /// A NUL-terminated C string buffer as a Swift string.
    private static func text(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String {
        family == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
