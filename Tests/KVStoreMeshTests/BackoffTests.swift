import KVStoreMesh
import Testing

@Suite struct BackoffTests {
    @Test func doublesUpToTheMaximumWithJitter() {
        var b = Backoff(minimum: 1, maximum: 8)
        #expect((0..<6).map { _ in b.next(random: { 1 }) } == [1, 2, 4, 8, 8, 8])
        b.reset()
        #expect(b.next(random: { 0 }) == 0.5)  // half of the ceiling at least
        #expect(b.next(random: { 0.5 }) == 1.5)
    }
}
