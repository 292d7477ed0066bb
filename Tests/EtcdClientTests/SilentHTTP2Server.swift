import Dispatch
@testable import EtcdClient
import EtcdProto
import GRPCWire
import HPACK
import HTTP2
import Sockets
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A scripted HTTP/2 server on 127.0.0.1 for transport tests: it completes the HTTP/2
/// handshake, records what the client sends (request headers, RST_STREAMs, PINGs) and, by
/// default, never answers a request.
///
/// - `answerPings: false`: after the first request nothing at all is written (a dead peer).
/// - `goAwayAfterRequests: n`: on each connection the first `n` requests get a Status
///   response (version "fake"), then a GOAWAY whose last-stream-id is the n-th request's.
/// - `acceptOnly`: no HTTP/2 at all (used to reserve a port, then `stop()`).
/// - `includeHeader: false`: the Status response has no ResponseHeader.
/// State of each FakeConnection is owned by `queue` (hence `@unchecked Sendable`).
final class SilentHTTP2Server: @unchecked Sendable {
    struct Snapshot: Sendable {
        var connections = 0
        var requestHeaders: [UInt32: [String: String]] = [:]
        /// Requests seen on all connections (stream ids repeat across connections).
        var requests = 0
        var resets: Set<UInt32> = []
        var pings = 0
    }

    let queue = DispatchQueue(label: "silent-http2")
    let listener: Listener
    let answerPings: Bool
    let goAwayAfterRequests: Int?
    let acceptOnly: Bool
    let includeHeader: Bool
    /// With `goAwayAfterRequests`: send the GOAWAY first and hold the answers until the test
    /// calls `releaseLateAnswers()`, so they finish on a connection that is already draining
    /// (no timing assumption; once released, later answers follow their GOAWAY at once).
    let answerAfterGoAway: Bool
    // Owned by `queue`:
    private var lateAnswersReleased = false
    private let state = Mutex(Snapshot())
    // Owned by `queue`:
    private var connections: [ObjectIdentifier: FakeConnection] = [:]

    init(answerPings: Bool = true, goAwayAfterRequests: Int? = nil, acceptOnly: Bool = false,
         includeHeader: Bool = true, answerAfterGoAway: Bool = false) throws {
        self.includeHeader = includeHeader
        self.answerAfterGoAway = answerAfterGoAway
        self.answerPings = answerPings
        self.goAwayAfterRequests = goAwayAfterRequests
        self.acceptOnly = acceptOnly
        let holder = Holder()
        listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0), queue: queue) { socket, _ in
            holder.server?.accepted(socket)
        }
        holder.server = self
        listener.start()
    }

    final class Holder: @unchecked Sendable { weak var server: SilentHTTP2Server? }

    var endpoint: EtcdEndpoint { EtcdEndpoint(scheme: .http, host: "127.0.0.1", port: listener.address.port) }

    func snapshot() -> Snapshot { state.withLock { $0 } }

    func record(_ body: (inout Snapshot) -> Void) { state.withLock { body(&$0) } }

    /// Polls until `predicate` holds (the caller bounds the time).
    func waitFor(_ predicate: @Sendable (Snapshot) -> Bool) async throws {
        while !predicate(snapshot()) { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Answers every held request and stops holding new ones.
    func releaseLateAnswers() {
        queue.sync {
            lateAnswersReleased = true
            for connection in connections.values { connection.flushLateAnswers() }
        }
    }

    fileprivate var holdsLateAnswers: Bool { !lateAnswersReleased }

    func stop() {
        listener.stop()
        queue.sync {
            for connection in connections.values { connection.close() }
            connections.removeAll()
        }
    }

    private func accepted(_ socket: Socket) {
        if acceptOnly {
            socket.close()
            return
        }
        record { $0.connections += 1 }
        let connection = FakeConnection(socket: socket, server: self)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    final class FakeConnection: @unchecked Sendable {
        let socket: Socket
        unowned let server: SilentHTTP2Server
        var h2 = HTTP2ServerConnection()
        var source: (any DispatchSourceRead)?
        var inspector = FrameDecoder(maxFrameSize: 1 << 24)
        var prefaceLeft = http2ClientPreface.count
        var requests = 0
        var muted = false
        var closed = false
        /// Requests answered only once the server releases them (`answerAfterGoAway`).
        var held: [UInt32] = []

        init(socket: Socket, server: SilentHTTP2Server) {
            self.socket = socket
            self.server = server
        }

        func start() {
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: server.queue)
            let socket = self.socket
            source.setEventHandler { [weak self] in self?.readable() }
            source.setCancelHandler { socket.close() }
            self.source = source
            source.resume()
            write(h2.takeOutput())
        }

        func close() {
            guard !closed else { return }
            closed = true
            source?.cancel()
            source = nil
        }

        private func readable() {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(socket.fd, $0.baseAddress, $0.count) }
            guard count > 0 else {
                close()
                return
            }
            let bytes = buffer[0..<count]
            inspect(bytes)
            let events = h2.receive(bytes)
            var goAwayAt: UInt32?
            var answers: [UInt32] = []
            for event in events {
                switch event {
                case .headers(let id, let fields, _) where !fields.filter({ $0.name == ":path" }).isEmpty:
                    requests += 1
                    var map: [String: String] = [:]
                    for field in fields { map[field.name] = field.value }
                    server.record { $0.requestHeaders[id] = map; $0.requests += 1 }
                    if let limit = server.goAwayAfterRequests, requests <= limit {
                        answers.append(id)
                        if requests == limit { goAwayAt = id }
                    }
                    if !server.answerPings { muted = true }
                default:
                    break
                }
            }
            if server.answerAfterGoAway, let goAwayAt {
                var output = h2.takeOutput()
                FrameEncoder.goAway(lastStreamID: goAwayAt, errorCode: 0, debugData: Array("test".utf8), into: &output)
                write(output)
                held += answers
                if !server.holdsLateAnswers { flushLateAnswers() }
                return
            }
            for id in answers { respond(id) }
            var output = h2.takeOutput()
            if let goAwayAt {
                FrameEncoder.goAway(lastStreamID: goAwayAt, errorCode: 0, debugData: Array("test".utf8), into: &output)
            }
            if !muted { write(output) }
        }

        /// Runs on the server's queue.
        func flushLateAnswers() {
            guard !closed, !held.isEmpty else { return }
            for id in held { respond(id) }
            held.removeAll()
            write(h2.takeOutput())
        }

        /// Records PINGs and RST_STREAMs from the raw client bytes.
        private func inspect(_ bytes: ArraySlice<UInt8>) {
            var input = bytes
            if prefaceLeft > 0 {
                let skip = min(prefaceLeft, input.count)
                input = input.dropFirst(skip)
                prefaceLeft -= skip
            }
            inspector.append(input)
            while let frame = try? inspector.nextFrame() {
                switch frame {
                case .ping(false, _): server.record { $0.pings += 1 }
                case .rstStream(let id, _): server.record { _ = $0.resets.insert(id) }
                default: break
                }
            }
        }

        private func respond(_ id: UInt32) {
            var status = Etcdserverpb_StatusResponse()
            status.version = "fake"
            if server.includeHeader { status.header.clusterID = 0xFA }
            let payload: [UInt8] = (try? status.serializedBytes()) ?? []
            h2.sendHeaders(streamID: id, fields: [HeaderField(name: ":status", value: "200"),
                                                  HeaderField(name: "content-type", value: "application/grpc")],
                           endStream: false)
            h2.sendData(streamID: id, bytes: GRPCMessageFramer.framed(payload), endStream: false)
            h2.sendHeaders(streamID: id, fields: [HeaderField(name: "grpc-status", value: "0")], endStream: true)
        }

        private func write(_ bytes: [UInt8]) {
            var offset = 0
            var attempts = 0
            while offset < bytes.count, attempts < 10_000 {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 {
                    offset += n
                } else {
                    attempts += 1
                    usleep(100)
                }
            }
        }
    }
}
