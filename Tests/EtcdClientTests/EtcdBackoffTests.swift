import Testing
@testable import EtcdClient

@Suite struct EtcdBackoffTests {
    @Test func ceilingDoublesUpToTheMaximum() {
        let backoff = EtcdBackoff(initial: .milliseconds(50), maximum: .seconds(30))
        #expect((0..<5).map { backoff.ceiling(attempt: $0) }
            == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        #expect(backoff.ceiling(attempt: 10) == .seconds(30))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(30))
    }

    @Test func fullJitterStaysWithinTheCeilingAndSpreads() {
        let backoff = EtcdBackoff()
        var generator = SystemRandomNumberGenerator()
        var samples: Set<Duration> = []
        for _ in 0..<200 {
            let delay = backoff.delay(attempt: 3, using: &generator)
            #expect(delay >= .zero && delay <= .milliseconds(400))
            samples.insert(delay)
        }
        #expect(samples.count > 150)
        #expect(EtcdBackoff(initial: .zero, maximum: .zero).delay(attempt: 5, using: &generator) == .zero)
    }
}
