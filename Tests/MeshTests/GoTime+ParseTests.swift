import Testing

@testable import Mesh

@Suite struct GoTimeParseTests {
    @Test func parses() {
        #expect(GoTime.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(GoTime.parseRFC3339("2025-03-01T10:00:00Z") == 1_740_823_200)
        #expect(GoTime.parseRFC3339("2025-03-01T10:00:00.123456Z") == 1_740_823_200)
        #expect(GoTime.parseRFC3339("2025-03-01T11:30:00+01:30") == 1_740_823_200)
        #expect(GoTime.parseRFC3339("2024-02-29T00:00:00z") == 1_709_164_800)
        #expect(GoTime.parseRFC3339("1969-12-31T23:59:59Z") == -1)
        for t in [0, 1_740_823_200, 951_782_400, -86_400 * 365] as [Int64] {
            #expect(GoTime.parseRFC3339(GoTime.rfc3339(secondsSinceEpoch: t)) == t)
        }
    }

    @Test func rejects() {
        for text in [
            "", "2025-03-01", "2025-03-01T10:00:00", "2025-13-01T10:00:00Z", "2025-02-29T10:00:00Z", "2025-03-01T24:00:00Z",
            "2025-03-01T10:00:00.Z", "2025-03-01T10:00:00+0100", "2025-03-01 10:00:00Z", "2025-03-01T10:00:00Zx",
        ] {
            #expect(GoTime.parseRFC3339(text) == nil, "\(text)")
        }
    }
}
