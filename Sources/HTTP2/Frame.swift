/// Frame type codes (RFC 9113 §6).
public enum HTTP2FrameType {
    public static let data: UInt8 = 0x0
    public static let headers: UInt8 = 0x1
    public static let priority: UInt8 = 0x2
    public static let rstStream: UInt8 = 0x3
    public static let settings: UInt8 = 0x4
    public static let pushPromise: UInt8 = 0x5
    public static let ping: UInt8 = 0x6
    public static let goAway: UInt8 = 0x7
    public static let windowUpdate: UInt8 = 0x8
    public static let continuation: UInt8 = 0x9
}

/// Frame flag bits (RFC 9113 §6).
public enum HTTP2FrameFlags {
    public static let endStream: UInt8 = 0x1
    public static let ack: UInt8 = 0x1
    public static let endHeaders: UInt8 = 0x4
    public static let padded: UInt8 = 0x8
    public static let priority: UInt8 = 0x20
}

/// Stream dependency data carried by PRIORITY frames and HEADERS with the PRIORITY flag
/// (RFC 9113 §5.3.2, deprecated but still parsed).
public struct HTTP2PriorityInfo: Equatable, Sendable {
    public var exclusive: Bool
    public var dependency: UInt32
    public var weight: UInt8

    public init(exclusive: Bool, dependency: UInt32, weight: UInt8) {
        self.exclusive = exclusive
        self.dependency = dependency
        self.weight = weight
    }
}

/// One decoded HTTP/2 frame. Padding is already removed; error codes are kept raw so unknown
/// values from peers survive (map them with `HTTP2ErrorCode(peerValue:)`).
public enum HTTP2Frame: Equatable, Sendable {
    /// `flowControlledLength` is the whole payload length including padding (RFC 9113 §6.1:
    /// the entire DATA payload counts against flow control).
    case data(streamID: UInt32, bytes: [UInt8], endStream: Bool, flowControlledLength: Int)
    case headers(streamID: UInt32, headerBlock: [UInt8], endStream: Bool, endHeaders: Bool, priority: HTTP2PriorityInfo?)
    case priority(streamID: UInt32, HTTP2PriorityInfo)
    case rstStream(streamID: UInt32, errorCode: UInt32)
    case settings(ack: Bool, [HTTP2Setting])
    case pushPromise(streamID: UInt32, promisedStreamID: UInt32, headerBlock: [UInt8], endHeaders: Bool)
    /// The 8 opaque octets as a big-endian integer.
    case ping(ack: Bool, data: UInt64)
    case goAway(lastStreamID: UInt32, errorCode: UInt32, debugData: [UInt8])
    case windowUpdate(streamID: UInt32, increment: UInt32)
    case continuation(streamID: UInt32, headerBlock: [UInt8], endHeaders: Bool)
    /// A frame of a type this implementation does not know (RFC 9113 §5.5: ignored).
    case unknown(type: UInt8, flags: UInt8, streamID: UInt32, payload: [UInt8])

    /// Stream the frame belongs to (0 for connection-level frames).
    public var streamID: UInt32 {
        switch self {
        case .data(let id, _, _, _), .headers(let id, _, _, _, _), .priority(let id, _),
            .rstStream(let id, _), .pushPromise(let id, _, _, _), .windowUpdate(let id, _),
            .continuation(let id, _, _), .unknown(_, _, let id, _):
            return id
        case .settings, .ping, .goAway:
            return 0
        }
    }
}

/// Size of the fixed frame header (RFC 9113 §4.1).
public let http2FrameHeaderLength = 9

/// The client connection preface (RFC 9113 §3.4).
public let http2ClientPreface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
