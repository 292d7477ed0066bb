import Testing
@testable import HPACK

@Suite struct DynamicTableTests {
    @Test func insertionOrderAndSizeAccounting() {
        var table = DynamicTable(maxSize: 200, tracksLookups: true)
        table.insert(HeaderField(name: "a", value: "1"))   // 34
        table.insert(HeaderField(name: "bb", value: "22"))  // 36
        #expect(table.size == 70)
        #expect(table.entry(at: 1) == HeaderField(name: "bb", value: "22"))
        #expect(table.entry(at: 2) == HeaderField(name: "a", value: "1"))
        #expect(table.entry(at: 3) == nil)
        #expect(table.entry(at: 0) == nil)
        #expect(table.index(of: "a", value: "1") == 2)
        #expect(table.index(ofName: "bb") == 1)
    }

    @Test func evictionFollowsFIFOAndUpdatesLookups() {
        var table = DynamicTable(maxSize: 100, tracksLookups: true)
        for i in 0..<10 {
            table.insert(HeaderField(name: "k", value: "\(i)"))  // 34 each → 2 fit
        }
        #expect(table.count == 2)
        #expect(table.size == 68)
        #expect(table.entry(at: 1)?.value == "9")
        #expect(table.index(of: "k", value: "0") == nil)
        #expect(table.index(of: "k", value: "8") == 2)
        #expect(table.index(ofName: "k") == 1)
        table.setMaxSize(40)
        #expect(table.count == 1)
        table.setMaxSize(0)
        #expect(table.count == 0)
        #expect(table.index(ofName: "k") == nil)
    }

    @Test func oversizedEntryEmptiesTable() {
        var table = DynamicTable(maxSize: 64)
        table.insert(HeaderField(name: "a", value: "1"))
        table.insert(HeaderField(name: "big", value: String(repeating: "x", count: 100)))
        #expect(table.count == 0)
        #expect(table.size == 0)
    }

    @Test func neverIndexFlagIsNotStored() {
        var table = DynamicTable(maxSize: 64)
        table.insert(HeaderField(name: "a", value: "1", neverIndex: true))
        #expect(table.entry(at: 1)?.neverIndex == false)
    }

    @Test func staticTableShape() {
        #expect(StaticTable.count == 61)
        #expect(StaticTable.entries[0] == (":authority", ""))
        #expect(StaticTable.entries[60] == ("www-authenticate", ""))
        #expect(StaticTable.fieldIndex[NameValue(name: ":status", value: "200")] == 8)
        #expect(StaticTable.nameIndex[":status"] == 8)
        #expect(StaticTable.nameIndex["content-type"] == 31)
    }
}
