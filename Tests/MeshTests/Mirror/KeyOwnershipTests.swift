import Testing

@testable import Mesh

@Suite struct KeyOwnershipTests {
    let a = MeshOwner(kind: .ciliumEndpoint, objectKey: "ns/a")
    let b = MeshOwner(kind: .ciliumEndpoint, objectKey: "ns/b")
    let c = MeshOwner(kind: .ciliumEndpoint, objectKey: "ns/c")

    private func entry(_ key: String, _ value: String) -> MeshEntry { MeshEntry(key: key, value: Array(value.utf8)) }

    @Test func firstClaimerOwnsQueueTakesOver() {
        var table = KeyOwnership()
        var touched: [String] = []
        table.set(a, entries: [entry("k", "A")]) { touched.append($0) }
        table.set(b, entries: [entry("k", "B")]) { touched.append($0) }
        table.set(c, entries: [entry("k", "C")]) { touched.append($0) }
        #expect(touched == ["k"])
        #expect(table.desiredValue("k") == Array("A".utf8))
        // A waiting claimer's update does not touch the key; the owner's does.
        table.set(b, entries: [entry("k", "B2")]) { touched.append($0) }
        #expect(touched == ["k"])
        table.set(a, entries: [entry("k", "A2")]) { touched.append($0) }
        #expect(touched == ["k", "k"])
        // The owner leaves: the next in line takes over with its current value.
        table.remove(a) { touched.append($0) }
        #expect(table.owner(of: "k") == b)
        #expect(table.desiredValue("k") == Array("B2".utf8))
        // A waiting claimer leaves silently.
        table.remove(c) { touched.append($0) }
        #expect(touched.count == 3)
        table.remove(b) { touched.append($0) }
        #expect(table.desiredValue("k") == nil)
        #expect(table.claimedKeyCount == 0)
        #expect(table.produced.isEmpty)
    }
}
