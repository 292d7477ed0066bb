import Testing
@testable import HTTP2

@Suite struct FlowControlWindowTests {
    @Test func adjustAndConsume() {
        var window = FlowControlWindow(10)
        var ok = window.consume(10)
        #expect(ok)
        ok = window.consume(1)
        #expect(!ok)
        ok = window.adjust(by: -5)
        #expect(ok)
        #expect(window.value == -5)
        #expect(window.available == 0)
        ok = window.adjust(by: FlowControlWindow.maxSize + 5)
        #expect(ok)
        #expect(window.value == FlowControlWindow.maxSize)
        ok = window.adjust(by: 1)
        #expect(!ok)
        #expect(window.value == FlowControlWindow.maxSize)
    }
}
