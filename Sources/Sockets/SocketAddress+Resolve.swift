#if canImport(Glibc)
import Glibc
#endif

extension SocketAddress {
    /// The TCP addresses of `host` (an IP literal or a DNS name), in getaddrinfo(3) order,
    /// duplicates removed. IP literals are returned without any lookup; names call
    /// getaddrinfo, which BLOCKS: call it on a queue of its own, never on a shared one.
    public static func resolve(host: String, port: UInt16) throws(SocketError) -> [SocketAddress] {
        if let literal = try? SocketAddress(host: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SocketError.failed(call: "resolve \(host)", errno: 0, message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var seen = Set<String>()
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            guard let raw = entry.pointee.ai_addr,
                  entry.pointee.ai_family == AF_INET || entry.pointee.ai_family == AF_INET6 else { continue }
            var storage = sockaddr_storage()
            let length = min(Int(entry.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: length)) }
            let address = SocketAddress(storage: storage, length: socklen_t(length))
            if seen.insert(address.description).inserted { out.append(address) }
        }
        guard !out.isEmpty else { throw SocketError.failed(call: "resolve \(host)", errno: 0, message: "no IPv4 or IPv6 address") }
        return out
    }
}
