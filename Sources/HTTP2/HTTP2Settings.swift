/// SETTINGS parameter identifiers (RFC 9113 §6.5.2).
public enum HTTP2SettingID {
    public static let headerTableSize: UInt16 = 0x1
    public static let enablePush: UInt16 = 0x2
    public static let maxConcurrentStreams: UInt16 = 0x3
    public static let initialWindowSize: UInt16 = 0x4
    public static let maxFrameSize: UInt16 = 0x5
    public static let maxHeaderListSize: UInt16 = 0x6
}

/// One SETTINGS parameter as carried on the wire.
public struct HTTP2Setting: Equatable, Sendable {
    public var identifier: UInt16
    public var value: UInt32

    public init(_ identifier: UInt16, _ value: UInt32) {
        self.identifier = identifier
        self.value = value
    }
}

/// A peer's settings, starting from the RFC 9113 §6.5.2 initial values.
public struct HTTP2Settings: Equatable, Sendable {
    public static let maxWindowSize: UInt32 = (1 << 31) - 1
    public static let minMaxFrameSize: UInt32 = 1 << 14
    public static let maxMaxFrameSize: UInt32 = (1 << 24) - 1

    public var headerTableSize: UInt32 = 4096
    public var enablePush: Bool = true
    /// nil = unlimited (not announced).
    public var maxConcurrentStreams: UInt32?
    public var initialWindowSize: UInt32 = 65535
    public var maxFrameSize: UInt32 = 16384
    /// nil = unlimited (not announced).
    public var maxHeaderListSize: UInt32?

    public init() {}

    /// Validates and applies one parameter. Unknown identifiers are ignored (RFC 9113 §6.5.2).
    public mutating func apply(_ setting: HTTP2Setting) throws(HTTP2Error) {
        switch setting.identifier {
        case HTTP2SettingID.headerTableSize:
            headerTableSize = setting.value
        case HTTP2SettingID.enablePush:
            // §6.5.2: any value other than 0 or 1 MUST be treated as a PROTOCOL_ERROR.
            guard setting.value <= 1 else { throw .connection(.protocolError, "invalid SETTINGS_ENABLE_PUSH") }
            enablePush = setting.value == 1
        case HTTP2SettingID.maxConcurrentStreams:
            maxConcurrentStreams = setting.value
        case HTTP2SettingID.initialWindowSize:
            // §6.5.2: values above 2^31-1 MUST be treated as a FLOW_CONTROL_ERROR.
            guard setting.value <= Self.maxWindowSize else {
                throw .connection(.flowControlError, "SETTINGS_INITIAL_WINDOW_SIZE too large")
            }
            initialWindowSize = setting.value
        case HTTP2SettingID.maxFrameSize:
            // §6.5.2: values outside [2^14, 2^24-1] MUST be treated as a PROTOCOL_ERROR.
            guard setting.value >= Self.minMaxFrameSize, setting.value <= Self.maxMaxFrameSize else {
                throw .connection(.protocolError, "invalid SETTINGS_MAX_FRAME_SIZE")
            }
            maxFrameSize = setting.value
        case HTTP2SettingID.maxHeaderListSize:
            maxHeaderListSize = setting.value
        default:
            break
        }
    }
}
