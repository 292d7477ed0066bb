/// Go `time.Time.Format(time.RFC3339)` for UTC instants: `2025-03-01T10:00:00Z`.
public enum GoTime {
    /// Formats whole seconds since the Unix epoch (UTC). Years outside 0...9999 are clamped.
    public static func rfc3339(secondsSinceEpoch: Int64) -> String {
        let minSeconds: Int64 = -62_167_219_200  // 0000-01-01T00:00:00Z
        let maxSeconds: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z
        let t = min(max(secondsSinceEpoch, minSeconds), maxSeconds)
        let days = floorDiv(t, 86_400)
        let secondOfDay = t - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Days since 1970-01-01 → proleptic Gregorian (year, month, day).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
