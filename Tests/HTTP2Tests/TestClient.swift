import HPACK
@testable import HTTP2

/// A minimal scripted HTTP/2 client for connection tests: builds client bytes and parses the
/// server's output.
struct TestClient {
    var encoder = HPACKEncoder()
    var decoder = HPACKDecoder(maxHeaderListSize: 1 << 20)
    var frameDecoder = FrameDecoder(maxFrameSize: (1 << 24) - 1)

    static func request(path: String = "/etcdserverpb.KV/Range", extra: [(String, String)] = []) -> [HeaderField] {
        var fields = [
            HeaderField(name: ":method", value: "POST"),
            HeaderField(name: ":scheme", value: "http"),
            HeaderField(name: ":path", value: path),
            HeaderField(name: ":authority", value: "127.0.0.1:2379"),
            HeaderField(name: "content-type", value: "application/grpc"),
            HeaderField(name: "te", value: "trailers"),
        ]
        fields += extra.map { HeaderField(name: $0.0, value: $0.1) }
        return fields
    }

    func preface(settings: [HTTP2Setting] = []) -> [UInt8] {
        var out = http2ClientPreface
        FrameEncoder.settings(settings, into: &out)
        return out
    }

    mutating func headerBlock(_ fields: [HeaderField]) -> [UInt8] {
        var block: [UInt8] = []
        encoder.encode(fields, into: &block)
        return block
    }

    mutating func headers(
        _ streamID: UInt32, _ fields: [HeaderField] = TestClient.request(), endStream: Bool = false,
        priority: HTTP2PriorityInfo? = nil, padding: UInt8? = nil
    ) -> [UInt8] {
        let block = headerBlock(fields)
        return frame(.headers(streamID: streamID, headerBlock: block, endStream: endStream, endHeaders: true,
                              priority: priority), padding: padding)
    }

    func frame(_ frame: HTTP2Frame, padding: UInt8? = nil) -> [UInt8] {
        var out: [UInt8] = []
        FrameEncoder.encode(frame, padding: padding, into: &out)
        return out
    }

    func data(_ streamID: UInt32, _ bytes: [UInt8], endStream: Bool = false, padding: UInt8? = nil) -> [UInt8] {
        frame(.data(streamID: streamID, bytes: bytes, endStream: endStream, flowControlledLength: 0), padding: padding)
    }

    /// Parses server output into frames.
    mutating func frames(_ bytes: [UInt8]) throws -> [HTTP2Frame] {
        frameDecoder.append(bytes[...])
        var frames: [HTTP2Frame] = []
        while let frame = try frameDecoder.nextFrame() {
            frames.append(frame)
        }
        return frames
    }

    /// Decodes a header block the server sent.
    mutating func decode(_ block: [UInt8]) throws -> [HeaderField] {
        try decoder.decode(block[...])
    }
}

enum HarnessError: Error {
    case unexpectedEvents([HTTP2Event])
}

/// A connection past the handshake, with the client that talks to it.
struct Harness {
    var connection: HTTP2ServerConnection
    var client = TestClient()

    init(configuration: HTTP2ServerConfiguration = .init(), clientSettings: [HTTP2Setting] = []) throws {
        connection = HTTP2ServerConnection(configuration: configuration)
        _ = try client.frames(connection.takeOutput())
        let events = connection.receive(client.preface(settings: clientSettings)[...])
        guard events.isEmpty else { throw HarnessError.unexpectedEvents(events) }
        _ = try client.frames(connection.takeOutput())  // SETTINGS ACK
        _ = connection.receive(client.frame(.settings(ack: true, []))[...])
    }

    /// Feeds client bytes and returns the events.
    mutating func send(_ bytes: [UInt8]) -> [HTTP2Event] {
        connection.receive(bytes[...])
    }

    /// Drains the server output as frames.
    mutating func output() throws -> [HTTP2Frame] {
        try client.frames(connection.takeOutput())
    }

    /// Sends `bytes` and expects the connection to fail with `code`.
    mutating func expectConnectionError(_ bytes: [UInt8], _ code: HTTP2ErrorCode) throws -> Bool {
        let events = send(bytes)
        guard case .connectionError(let error)? = events.last, error.code == code, error.scope == .connection else {
            return false
        }
        let frames = try output()
        guard case .goAway(_, let sent, _)? = frames.last, sent == code.rawValue else { return false }
        return connection.isClosed
    }

    /// Sends `bytes` and expects RST_STREAM(code) on `streamID` with the connection alive.
    mutating func expectStreamError(_ bytes: [UInt8], streamID: UInt32, _ code: HTTP2ErrorCode) throws -> Bool {
        let events = send(bytes)
        if events.contains(where: { if case .connectionError = $0 { true } else { false } }) { return false }
        let frames = try output()
        return frames.contains(.rstStream(streamID: streamID, errorCode: code.rawValue)) && !connection.isClosed
    }
}
