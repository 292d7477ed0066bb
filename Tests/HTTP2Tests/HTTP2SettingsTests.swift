import Testing
@testable import HTTP2

@Suite struct HTTP2SettingsTests {
    @Test func defaults() {
        let settings = HTTP2Settings()
        #expect(settings.headerTableSize == 4096)
        #expect(settings.initialWindowSize == 65535)
        #expect(settings.maxFrameSize == 16384)
        #expect(settings.maxConcurrentStreams == nil)
        #expect(settings.enablePush)
    }

    @Test func validValuesApply() throws {
        var settings = HTTP2Settings()
        try settings.apply(HTTP2Setting(HTTP2SettingID.enablePush, 0))
        try settings.apply(HTTP2Setting(HTTP2SettingID.initialWindowSize, (1 << 31) - 1))
        try settings.apply(HTTP2Setting(HTTP2SettingID.maxFrameSize, (1 << 24) - 1))
        try settings.apply(HTTP2Setting(HTTP2SettingID.maxConcurrentStreams, 0))
        try settings.apply(HTTP2Setting(HTTP2SettingID.maxHeaderListSize, 8192))
        try settings.apply(HTTP2Setting(HTTP2SettingID.headerTableSize, 0))
        try settings.apply(HTTP2Setting(0xFE03, 1))  // unknown: ignored
        #expect(!settings.enablePush)
        #expect(settings.initialWindowSize == (1 << 31) - 1)
        #expect(settings.maxFrameSize == (1 << 24) - 1)
        #expect(settings.maxConcurrentStreams == 0)
        #expect(settings.maxHeaderListSize == 8192)
        #expect(settings.headerTableSize == 0)
    }

    @Test(arguments: [
        (HTTP2SettingID.enablePush, UInt32(2), HTTP2ErrorCode.protocolError),
        (HTTP2SettingID.initialWindowSize, 1 << 31, .flowControlError),
        (HTTP2SettingID.maxFrameSize, 16383, .protocolError),
        (HTTP2SettingID.maxFrameSize, 1 << 24, .protocolError),
    ])
    func invalidValues(identifier: UInt16, value: UInt32, code: HTTP2ErrorCode) {
        var settings = HTTP2Settings()
        do {
            try settings.apply(HTTP2Setting(identifier, value))
            Issue.record("accepted \(identifier)=\(value)")
        } catch {
            #expect(error.code == code)
            #expect(error.scope == .connection)
        }
    }

    @Test func unknownErrorCodesMapToInternalError() {
        #expect(HTTP2ErrorCode(peerValue: 0xFF) == .internalError)
        #expect(HTTP2ErrorCode(peerValue: 8) == .cancel)
    }
}
