import Foundation
import Synchronization
import Testing

@testable import KubeClient

#if canImport(Glibc)
import Glibc
#endif

/// A loopback server that answers one connection with canned bytes (blocking sockets on a thread).
final class OneShotServer: Sendable {
    let port: UInt16
    /// The listening socket, or -1 once closed (by the accept thread, which owns it).
    private let listening: Mutex<Int32>
    let request = Mutex<String>("")
    private let done = Atomic<Bool>(false)

    /// `parts` are sent in order with `pause` between them; `hold` keeps the connection open
    /// (silent) until `stop()`.
    init(_ parts: [String], pause: Double = 0, hold: Bool = false) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        listening = Mutex(fd)
        port = UInt16(bigEndian: addr.sin_port)
        Thread { [self] in
            let client = accept(fd, nil, nil)
            listening.withLock {
                close($0)
                $0 = -1
            }
            guard client >= 0 else { return }
            defer { close(client) }
            var head: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: head, as: UTF8.self).contains("\r\n\r\n") {
                let n = read(client, &buf, buf.count)
                guard n > 0 else { return }
                head += buf[0..<n]
            }
            request.withLock { $0 = String(decoding: head, as: UTF8.self) }
            for part in parts {
                _ = Array(part.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if pause > 0 { usleep(UInt32(pause * 1_000_000)) }
            }
            while hold && !done.load(ordering: .acquiring) { usleep(10_000) }
        }.start()
    }

    func stop() {
        done.store(true, ordering: .releasing)
        // Wakes a blocked accept; the accept thread closes the socket.
        listening.withLock { if $0 >= 0 { _ = shutdown($0, Int32(SHUT_RDWR)) } }
    }

    func client(token: String? = nil, read: Duration = .seconds(5)) throws -> KubeHTTPClient {
        try KubeHTTPClient(
            config: KubeConfig(server: KubeServerURL(secure: false, host: "127.0.0.1", port: port), token: token),
            timeouts: KubeTimeouts(connect: .seconds(2), read: read))
    }
}

@Suite struct KubeHTTPClientTests {
    @Test func getSendsTokenAndDecodesChunkedBody() throws {
        let server = try OneShotServer([
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            "5\r\n{\"a\":\r\n", "3\r\n12}\r\n0\r\n\r\n",
        ])
        defer { server.stop() }
        let response = try server.client(token: "s3cr3t").get("/api/v1/services?limit=1", maxBodyBytes: 1024)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"a":12}"#)
        let request = server.request.withLock { $0 }
        #expect(request.hasPrefix("GET /api/v1/services?limit=1 HTTP/1.1\r\n"))
        #expect(request.contains("Authorization: Bearer s3cr3t\r\n"))
        #expect(request.contains("Host: 127.0.0.1:\(server.port)\r\n"))
    }

    @Test func errorStatusCarriesTheStatusMessage() throws {
        let body = #"{"kind":"Status","status":"Failure","message":"services is forbidden","reason":"Forbidden","code":403}"#
        let server = try OneShotServer(["HTTP/1.1 403 Forbidden\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body])
        defer { server.stop() }
        #expect(throws: KubeClientError.status(code: 403, reason: "Forbidden", message: "services is forbidden")) {
            _ = try server.client().get("/api/v1/services", maxBodyBytes: 1024)
        }
    }

    @Test func bodyOverTheBoundIsRefused() throws {
        let server = try OneShotServer(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + String(repeating: "x", count: 32) + "\r\n0\r\n\r\n"])
        defer { server.stop() }
        #expect(throws: KubeClientError.self) { _ = try server.client().get("/x", maxBodyBytes: 16) }
    }

    @Test func streamDeliversLinesAndEndsOnAbruptClose() throws {
        let server = try OneShotServer([
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "8\r\n{\"a\":1}\n\r\n", "4\r\n{\"b\"\r\n", "8\r\n:2}\n{\"c\r\n",  // then the connection drops mid-chunk
        ], pause: 0.02)
        defer { server.stop() }
        var lines: [String] = []
        try server.client().stream("/w", idleTimeout: .seconds(2), maxLineBytes: 1024) { batch in
            lines += batch.map { String(decoding: $0, as: UTF8.self) }
            return true
        }
        #expect(lines == [#"{"a":1}"#, #"{"b":2}"#])
    }

    @Test func silentServerTimesOut() throws {
        let server = try OneShotServer([], hold: true)
        defer { server.stop() }
        let begin = ContinuousClock.now
        #expect(throws: KubeClientError.timeout("read")) {
            _ = try server.client(read: .milliseconds(300)).get("/x", maxBodyBytes: 1024)
        }
        #expect(ContinuousClock.now - begin < .seconds(2))
    }

    @Test func stopSignalCancelsAWaitingStream() throws {
        let server = try OneShotServer(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"], hold: true)
        defer { server.stop() }
        let stop = KubeStopSignal()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) { stop.stop() }
        #expect(throws: KubeClientError.cancelled) {
            try server.client().stream("/w", idleTimeout: .seconds(30), maxLineBytes: 64, stop: stop) { _ in true }
        }
    }

    @Test func refusedConnection() throws {
        let server = try OneShotServer([])
        let client = try server.client()
        server.stop()
        #expect(throws: KubeClientError.self) { _ = try client.get("/x", maxBodyBytes: 10) }
    }
}
