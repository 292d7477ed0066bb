import Testing
@testable import HTTP2

@Suite struct FrameEncoderTests {
    @Test func frameHeaderLayout() {
        var out: [UInt8] = []
        FrameEncoder.frameHeader(length: 0x012345, type: 0x9, flags: 0x4, streamID: 0xFFFF_FFFF, into: &out)
        #expect(out == [0x01, 0x23, 0x45, 0x09, 0x04, 0x7F, 0xFF, 0xFF, 0xFF])
    }

    @Test func controlFrames() {
        var out: [UInt8] = []
        FrameEncoder.settingsAck(into: &out)
        #expect(out == hex("000000 04 01 00000000"))
        out = []
        FrameEncoder.settings([HTTP2Setting(HTTP2SettingID.maxFrameSize, 16384)], into: &out)
        #expect(out == hex("000006 04 00 00000000 0005 00004000"))
        out = []
        FrameEncoder.ping(data: 0x0102_0304_0506_0708, ack: true, into: &out)
        #expect(out == hex("000008 06 01 00000000 0102030405060708"))
        out = []
        FrameEncoder.goAway(lastStreamID: 5, errorCode: 1, debugData: [0x41], into: &out)
        #expect(out == hex("000009 07 00 00000000 00000005 00000001 41"))
        out = []
        FrameEncoder.windowUpdate(streamID: 3, increment: 0x10000, into: &out)
        #expect(out == hex("000004 08 00 00000003 00010000"))
        out = []
        FrameEncoder.rstStream(streamID: 3, errorCode: 8, into: &out)
        #expect(out == hex("000004 03 00 00000003 00000008"))
        out = []
        FrameEncoder.data(streamID: 1, bytes: [0xAA][...], endStream: true, into: &out)
        #expect(out == hex("000001 00 01 00000001 aa"))
    }

    @Test func largeHeaderBlocksAreSplitIntoContinuations() throws {
        let block = (0..<40).map { UInt8($0) }
        var out: [UInt8] = []
        FrameEncoder.headers(streamID: 1, headerBlock: block, endStream: true, maxFrameSize: 16, into: &out)
        var decoder = FrameDecoder()
        decoder.append(out[...])
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == .headers(streamID: 1, headerBlock: Array(block[0..<16]), endStream: true,
                                                    endHeaders: false, priority: nil))
        }
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == .continuation(streamID: 1, headerBlock: Array(block[16..<32]), endHeaders: false))
        }
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == .continuation(streamID: 1, headerBlock: Array(block[32..<40]), endHeaders: true))
        }
        do {
            let frame = try decoder.nextFrame()
            #expect(frame == nil)
        }
    }

    @Test func smallHeaderBlockIsOneFrame() {
        var out: [UInt8] = []
        FrameEncoder.headers(streamID: 3, headerBlock: [0x88], endStream: false, maxFrameSize: 16384, into: &out)
        #expect(out == hex("000001 01 04 00000003 88"))
        out = []
        FrameEncoder.headers(streamID: 3, headerBlock: [], endStream: true, maxFrameSize: 16384, into: &out)
        #expect(out == hex("000000 01 05 00000003"))
    }
}
