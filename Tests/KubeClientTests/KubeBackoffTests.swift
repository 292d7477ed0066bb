import Testing

@testable import KubeClient

@Suite struct KubeBackoffTests {
    @Test func doublesUpToTheMaximumWithJitter() {
        var b = KubeBackoff(initial: .milliseconds(200), maximum: .seconds(30))
        var ceilings: [Duration] = []
        for _ in 0..<10 {
            ceilings.append(b.ceiling)
            let d = b.next()
            #expect(d >= ceilings.last! / 2 && d <= ceilings.last!)
        }
        #expect(ceilings.prefix(4) == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        #expect(ceilings.last == .seconds(30))
        b.reset()
        #expect(b.next(random: { $0.upperBound }) == .milliseconds(200))
        #expect(b.next(random: { $0.lowerBound }) == .milliseconds(200))
    }
}
