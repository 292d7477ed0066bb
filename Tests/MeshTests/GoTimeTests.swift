import Testing
import Mesh

@Suite struct GoTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (1_740_823_200, "2025-03-01T10:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (4_107_542_399, "2100-02-28T23:59:59Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ])
    func rfc3339(seconds: Int64, expected: String) {
        #expect(GoTime.rfc3339(secondsSinceEpoch: seconds) == expected)
    }
}
