import Testing
@testable import Sockets

@Suite struct SocketAddressTests {
    @Test func parsesIPv4IPv6AndShorthands() throws {
        let v4 = try SocketAddress("127.0.0.1:2379")
        #expect(v4.host == "127.0.0.1" && v4.port == 2379 && v4.family == .inet)
        #expect(v4.description == "127.0.0.1:2379")
        let v6 = try SocketAddress("[::1]:2380")
        #expect(v6.host == "::1" && v6.port == 2380 && v6.family == .inet6)
        #expect(v6.description == "[::1]:2380")
        let any = try SocketAddress(":9880")
        #expect(any.host == "0.0.0.0" && any.port == 9880)
        let local = try SocketAddress("localhost:1")
        #expect(local.host == "127.0.0.1")
    }

    @Test(arguments: ["", "2379", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:65536",
                      "[::1]2379", "[::1", "::1:2379x", "example.com:2379", "300.1.1.1:1"])
    func rejectsBadAddresses(_ text: String) {
        #expect(throws: SocketError.self) { try SocketAddress(text) }
    }

    @Test func errorsNameTheInput() {
        #expect(throws: SocketError.invalidAddress("nohost")) { try SocketAddress(host: "nohost", port: 1) }
        #expect(SocketError.invalidAddress("x").description == "invalid address x")
    }

    @Test func storageRoundTripsThroughTheKernelForm() throws {
        for text in ["10.1.2.3:443", "[2001:db8::5]:65535", "0.0.0.0:0"] {
            let a = try SocketAddress(text)
            let b = SocketAddress(storage: a.storage, length: a.length)
            #expect(b.description == a.description)
            #expect(b.family == a.family)
        }
    }
}
