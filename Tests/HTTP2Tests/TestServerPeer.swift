import HPACK
@testable import HTTP2

/// A scripted HTTP/2 server for client-connection tests: builds server bytes and parses the
/// client's output (preface included).
struct TestServerPeer {
    var encoder = HPACKEncoder()
    var decoder = HPACKDecoder(maxHeaderListSize: 1 << 20)
    var frameDecoder = FrameDecoder(maxFrameSize: (1 << 24) - 1)
    var prefaceSeen = false

    static func response(status: String = "200", extra: [(String, String)] = []) -> [HeaderField] {
        [HeaderField(name: ":status", value: status), HeaderField(name: "content-type", value: "application/grpc")]
            + extra.map { HeaderField(name: $0.0, value: $0.1) }
    }

    static func request(path: String = "/etcdserverpb.KV/Range") -> [HeaderField] {
        [
            HeaderField(name: ":method", value: "POST"), HeaderField(name: ":scheme", value: "http"),
            HeaderField(name: ":path", value: path), HeaderField(name: ":authority", value: "127.0.0.1:2379"),
            HeaderField(name: "content-type", value: "application/grpc"), HeaderField(name: "te", value: "trailers"),
        ]
    }

    func frame(_ frame: HTTP2Frame, padding: UInt8? = nil) -> [UInt8] {
        var out: [UInt8] = []
        FrameEncoder.encode(frame, padding: padding, into: &out)
        return out
    }

    func settings(_ settings: [HTTP2Setting] = []) -> [UInt8] {
        frame(.settings(ack: false, settings))
    }

    mutating func headers(_ streamID: UInt32, _ fields: [HeaderField], endStream: Bool = false,
                          padding: UInt8? = nil) -> [UInt8] {
        var block: [UInt8] = []
        encoder.encode(fields, into: &block)
        return frame(.headers(streamID: streamID, headerBlock: block, endStream: endStream, endHeaders: true,
                              priority: nil), padding: padding)
    }

    /// A header block split into HEADERS + CONTINUATION frames of `chunk` octets.
    mutating func splitHeaders(_ streamID: UInt32, _ fields: [HeaderField], endStream: Bool, chunk: Int) -> [UInt8] {
        var block: [UInt8] = []
        encoder.encode(fields, into: &block)
        var out: [UInt8] = []
        FrameEncoder.headers(streamID: streamID, headerBlock: block, endStream: endStream, maxFrameSize: chunk, into: &out)
        return out
    }

    func data(_ streamID: UInt32, _ bytes: [UInt8], endStream: Bool = false, padding: UInt8? = nil) -> [UInt8] {
        frame(.data(streamID: streamID, bytes: bytes, endStream: endStream, flowControlledLength: 0), padding: padding)
    }

    /// Parses client output into frames (the preface is checked and skipped once).
    mutating func frames(_ bytes: [UInt8]) throws -> [HTTP2Frame] {
        var input = bytes[...]
        if !prefaceSeen {
            guard input.starts(with: http2ClientPreface) else { throw PeerError.badPreface }
            input = input.dropFirst(http2ClientPreface.count)
            prefaceSeen = true
        }
        frameDecoder.append(input)
        var frames: [HTTP2Frame] = []
        while let frame = try frameDecoder.nextFrame() {
            frames.append(frame)
        }
        return frames
    }

    mutating func decode(_ block: [UInt8]) throws -> [HeaderField] {
        try decoder.decode(block[...])
    }

    enum PeerError: Error { case badPreface }
}

extension HTTP2ClientConnection {
    /// Feeds `bytes` in `chunks` and returns all events.
    mutating func receiveAll(_ chunks: [ArraySlice<UInt8>]) -> [HTTP2ClientEvent] {
        chunks.flatMap { receive($0) }
    }
}

/// A client connection past the handshake (server SETTINGS received, output drained).
func readyClient(
    configuration: HTTP2ClientConfiguration = .init(), serverSettings: [HTTP2Setting] = []
) throws -> (HTTP2ClientConnection, TestServerPeer) {
    var client = HTTP2ClientConnection(configuration: configuration)
    var server = TestServerPeer()
    _ = try server.frames(client.takeOutput())
    let events = client.receive(server.settings(serverSettings)[...])
    guard events == [.ready] else { throw ClientHarnessError.unexpected(events) }
    _ = try server.frames(client.takeOutput())
    return (client, server)
}

enum ClientHarnessError: Error {
    case unexpected([HTTP2ClientEvent])
}
