import Testing
@testable import Sockets
#if canImport(Glibc)
import Glibc
#endif

extension SocketIOTests {
@Suite struct SocketTests {
    @Test func listenOnPortZeroAcceptReadWriteAndEndOfFile() throws {
        let listener = try Socket.listen(on: SocketAddress("127.0.0.1:0"))
        defer { listener.close() }
        let address = try listener.localAddress()
        #expect(address.port != 0 && address.host == "127.0.0.1")
        guard case .wouldBlock = try listener.accept() else {
            Issue.record("accept without a pending connection must not block or succeed")
            return
        }
        let client = Loopback.connect(to: address)
        var accepted: (Socket, SocketAddress)?
        #expect(Loopback.eventually {
            if case .done(let pair) = try? listener.accept() { accepted = pair }
            return accepted != nil
        })
        let (server, peer) = try #require(accepted)
        defer { server.close() }
        #expect(peer.host == "127.0.0.1")
        #expect(fcntl(server.fd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(server.fd, F_GETFD) & FD_CLOEXEC != 0)

        var buffer = [UInt8](repeating: 0, count: 16)
        guard case .wouldBlock = try buffer.withUnsafeMutableBytes({ try server.read(into: $0) }) else {
            Issue.record("nothing sent yet: read must report wouldBlock")
            return
        }
        Loopback.send(client, Array("ping".utf8))
        var got: Int = 0
        #expect(Loopback.eventually {
            if case .done(let n)? = try? buffer.withUnsafeMutableBytes({ try server.read(into: $0) }) { got = n }
            return got > 0
        })
        #expect(Array(buffer[0..<got]) == Array("ping".utf8))
        let sent = try Array("pong".utf8).withUnsafeBytes { try server.write($0) }
        guard case .done(4) = sent else { Issue.record("write: \(sent)"); return }
        var reply = [UInt8](repeating: 0, count: 4)
        #expect(recv(client, &reply, 4, Int32(MSG_WAITALL)) == 4)
        #expect(reply == Array("pong".utf8))

        Glibc.close(client)
        var eof = false
        #expect(Loopback.eventually {
            if case .done(0)? = try? buffer.withUnsafeMutableBytes({ try server.read(into: $0) }) { eof = true }
            return eof
        })
    }

    @Test func writingToAResetPeerThrowsInsteadOfRaisingSIGPIPE() throws {
        let listener = try Socket.listen(on: SocketAddress("127.0.0.1:0"))
        defer { listener.close() }
        let client = Loopback.connect(to: try listener.localAddress())
        var accepted: Socket?
        #expect(Loopback.eventually {
            if case .done(let (s, _))? = try? listener.accept() { accepted = s }
            return accepted != nil
        })
        let server = try #require(accepted)
        defer { server.close() }
        Loopback.reset(client)
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        var failure: SocketError?
        func attempt() -> Bool {
            do {
                _ = try chunk.withUnsafeBytes { try server.write($0) }
            } catch {
                failure = error as? SocketError
            }
            return failure != nil
        }
        let failed = Loopback.eventually(5, attempt)
        #expect(failed)
        guard case .failed(let call, let code, _)? = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(call == "send")
        #expect(code == ECONNRESET || code == EPIPE)
    }

    @Test func listeningTwiceOnOnePortFails() throws {
        let first = try Socket.listen(on: SocketAddress("127.0.0.1:0"))
        defer { first.close() }
        let taken = try first.localAddress()
        #expect {
            try Socket.listen(on: taken)
        } throws: { error in
            guard case .failed(let call, let code, _) = error as? SocketError else { return false }
            return call == "bind" && code == EADDRINUSE
        }
    }
}
}
