import HPACK
import Testing
@testable import HTTP2

/// `HTTP2ClientConnection` wired to `HTTP2ServerConnection` in memory (no sockets): many
/// concurrent streams, large bodies, small windows, bytes delivered at random split points.
@Suite struct HTTP2ClientConnectionLoopTests {
    /// The server application: answers each request, once its body is complete, with headers,
    /// the body twice as DATA, and trailers.
    struct EchoServer {
        var connection: HTTP2ServerConnection
        var bodies: [UInt32: [UInt8]] = [:]
        var resets: Set<UInt32> = []

        mutating func handle(_ events: [HTTP2Event]) {
            for event in events {
                switch event {
                case .headers(let id, _, let endStream):
                    if bodies[id] == nil { bodies[id] = [] }
                    if endStream { respond(id) }
                case .data(let id, let bytes, let endStream):
                    bodies[id, default: []] += bytes
                    if endStream { respond(id) }
                case .streamReset(let id, _):
                    resets.insert(id)
                case .windowAvailable, .goAway:
                    break
                case .connectionError(let error):
                    Issue.record("server connection error \(error)")
                }
            }
        }

        mutating func respond(_ id: UInt32) {
            let body = bodies[id] ?? []
            connection.sendHeaders(streamID: id, fields: [HeaderField(name: ":status", value: "200"),
                                                          HeaderField(name: "content-type", value: "application/grpc")],
                                   endStream: false)
            connection.sendData(streamID: id, bytes: body, endStream: false)
            connection.sendData(streamID: id, bytes: body, endStream: false)
            connection.sendHeaders(streamID: id, fields: [HeaderField(name: "grpc-status", value: "0"),
                                                          HeaderField(name: "x-length", value: "\(body.count)")],
                                   endStream: true)
        }
    }

    /// What the client application saw per stream.
    struct Received {
        var status: String?
        var body: [UInt8] = []
        var trailers: [HeaderField]?
        var closed: HTTP2StreamCloseReason?
    }

    /// Moves bytes both ways until neither side has anything to say. `release` runs once per
    /// round for manual-flow-control consumers.
    static func pump(
        client: inout HTTP2ClientConnection, server: inout EchoServer, received: inout [UInt32: Received],
        random: inout TestRandom, maxRounds: Int = 100_000, release: (inout HTTP2ClientConnection) -> Void = { _ in }
    ) {
        for _ in 0..<maxRounds {
            release(&client)
            let up = client.takeOutput()
            for chunk in FeedMode.randomSplits.chunks(of: up, seed: random.next()) where !up.isEmpty {
                server.handle(server.connection.receive(chunk))
            }
            let down = server.connection.takeOutput()
            var chunks: [ArraySlice<UInt8>] = []
            if !down.isEmpty {
                // Mix big and small pieces so frame headers and payloads straddle reads.
                var start = 0
                while start < down.count {
                    let length = 1 + Int(random.next() % 3000)
                    chunks.append(down[start..<min(start + length, down.count)])
                    start += length
                }
            }
            for chunk in chunks {
                for event in client.receive(chunk) {
                    switch event {
                    case .response(let id, let fields, _):
                        received[id, default: Received()].status = fields.first { $0.name == ":status" }?.value
                    case .data(let id, let bytes, _):
                        received[id, default: Received()].body += bytes
                    case .trailers(let id, let fields):
                        received[id, default: Received()].trailers = fields
                    case .streamClosed(let id, let reason):
                        received[id, default: Received()].closed = reason
                    case .ready, .pingAcknowledged, .goAway:
                        break
                    case .connectionError(let error):
                        Issue.record("client connection error \(error)")
                    }
                }
            }
            if up.isEmpty && down.isEmpty && chunks.isEmpty { return }
        }
        Issue.record("no quiescence after \(maxRounds) rounds")
    }

    @Test func manyConcurrentStreamsWithLargeBodiesAndSmallWindows() throws {
        var serverConfiguration = HTTP2ServerConfiguration()
        serverConfiguration.maxConcurrentStreams = 16
        serverConfiguration.initialStreamWindowSize = 1000
        serverConfiguration.connectionWindowSize = 65535
        var clientConfiguration = HTTP2ClientConfiguration()
        clientConfiguration.initialStreamWindowSize = 4096
        clientConfiguration.connectionWindowSize = 65535
        var client = HTTP2ClientConnection(configuration: clientConfiguration)
        var server = EchoServer(connection: HTTP2ServerConnection(configuration: serverConfiguration))
        var random = TestRandom(seed: 7)
        var sent: [UInt32: [UInt8]] = [:]
        for index in 0..<300 {
            let size = index % 10 == 0 ? 100_000 + Int(random.next() % 100_000) : Int(random.next() % 3000)
            let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let id = try client.openStream(headers: TestServerPeer.request(path: "/echo/\(index)"), endStream: false)
            client.sendData(streamID: id, bytes: body, endStream: true)
            sent[id] = body
        }
        var received: [UInt32: Received] = [:]
        Self.pump(client: &client, server: &server, received: &received, random: &random)
        #expect(received.count == 300)
        for (id, body) in sent {
            let got = received[id]
            #expect(got?.status == "200", "stream \(id)")
            #expect(got?.body == body + body, "stream \(id): \(got?.body.count ?? -1) bytes for \(body.count)")
            #expect(got?.trailers == [HeaderField(name: "grpc-status", value: "0"),
                                      HeaderField(name: "x-length", value: "\(body.count)")], "stream \(id)")
            #expect(got?.closed == nil, "stream \(id)")
        }
        #expect(client.activeStreamCount == 0)
        #expect(server.connection.openStreamCount == 0)
        #expect(server.resets.isEmpty)
        #expect(client.connectionError == nil)
    }

    @Test func unreadManualStreamBuffersAtMostOneWindow() throws {
        var clientConfiguration = HTTP2ClientConfiguration()
        clientConfiguration.initialStreamWindowSize = 8192
        var client = HTTP2ClientConnection(configuration: clientConfiguration)
        var server = EchoServer(connection: HTTP2ServerConnection())
        var random = TestRandom(seed: 11)
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let slow = try client.openStream(headers: TestServerPeer.request(path: "/slow"), endStream: false,
                                         manualFlowControl: true)
        client.sendData(streamID: slow, bytes: body, endStream: true)
        let fast = try client.openStream(headers: TestServerPeer.request(path: "/fast"), endStream: false)
        client.sendData(streamID: fast, bytes: Array(body.prefix(50_000)), endStream: true)
        var received: [UInt32: Received] = [:]
        // The consumer of the slow stream does not read: it stalls after one window while the
        // other stream completes (connection credit keeps flowing).
        Self.pump(client: &client, server: &server, received: &received, random: &random)
        #expect(received[fast]?.body.count == 100_000)
        #expect(received[fast]?.trailers != nil)
        #expect(client.unreleasedBytes(streamID: slow) <= 8192)
        #expect((received[slow]?.body.count ?? 0) <= 8192)
        #expect(received[slow]?.trailers == nil)
        #expect(server.connection.queuedBytes(streamID: slow) >= 600_000 - 8192)
        // Now it reads, a little at a time, and everything arrives.
        var maxUnreleased = 0
        Self.pump(client: &client, server: &server, received: &received, random: &random) { client in
            let pending = client.unreleasedBytes(streamID: slow)
            maxUnreleased = max(maxUnreleased, pending)
            client.releaseCredit(streamID: slow, count: min(pending, 3000))
        }
        #expect(maxUnreleased <= 8192)
        #expect(received[slow]?.body.count == 2 * body.count)
        #expect(received[slow]?.body == body + body)
        #expect(received[slow]?.trailers?.first == HeaderField(name: "grpc-status", value: "0"))
    }

    @Test func cancelledStreamsAreResetAndTheRestComplete() throws {
        var serverConfiguration = HTTP2ServerConfiguration()
        serverConfiguration.maxConcurrentStreams = 4
        var client = HTTP2ClientConnection()
        var server = EchoServer(connection: HTTP2ServerConnection(configuration: serverConfiguration))
        var random = TestRandom(seed: 3)
        var received: [UInt32: Received] = [:]
        Self.pump(client: &client, server: &server, received: &received, random: &random)  // handshake
        var ids: [UInt32] = []
        for index in 0..<20 {
            let id = try client.openStream(headers: TestServerPeer.request(path: "/c/\(index)"), endStream: false)
            client.sendData(streamID: id, bytes: Array(repeating: UInt8(index), count: 100), endStream: false)
            ids.append(id)
        }
        // Half of them are cancelled before they finish their request: some were on the wire
        // (RST_STREAM CANCEL), some still queued (never sent).
        server.handle(server.connection.receive(client.takeOutput()[...]))
        #expect(server.bodies.count == 4)  // the server's concurrency limit
        for (index, id) in ids.enumerated() {
            if index % 2 == 0 {
                client.resetStream(streamID: id, code: .cancel)
            } else {
                client.sendData(streamID: id, bytes: [], endStream: true)
            }
        }
        Self.pump(client: &client, server: &server, received: &received, random: &random)
        for (index, id) in ids.enumerated() where index % 2 == 1 {
            #expect(received[id]?.body.count == 200, "stream \(id)")
        }
        for (index, id) in ids.enumerated() where index % 2 == 0 {
            #expect(received[id] == nil, "stream \(id)")
        }
        // Only the cancelled streams that were on the wire were reset (1 and 5); queued ones
        // never reached the server.
        #expect(server.resets == [1, 5])
        #expect(Set(server.bodies.keys) == Set(ids.enumerated().filter { $0.offset % 2 == 1 || $0.element <= 7 }.map(\.element)))
        #expect(client.activeStreamCount == 0)
        #expect(server.connection.openStreamCount == 0)
    }
}

extension HTTP2ClientConnectionLoopTests.Received: Equatable {}
