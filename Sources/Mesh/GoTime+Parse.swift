extension GoTime {
    /// Parses RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into whole seconds since the
    /// Unix epoch (the fraction is dropped, as `metav1.Time` keeps seconds only). nil if malformed.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let c = Array(text.utf8)
        guard c.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= c.count else { return nil }
            var v: Int64 = 0
            for i in start..<(start + count) {
                guard c[i] >= 0x30 && c[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(c[i] - 0x30)
            }
            return v
        }
        guard c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: "t"),
            c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":"),
            let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
            let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        if i < c.count && c[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < c.count && c[i] >= 0x30 && c[i] <= 0x39 { i += 1 }
            guard i > start else { return nil }
        }
        guard i < c.count else { return nil }
        var offset: Int64 = 0
        switch c[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == c.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == c.count, c[i + 3] == UInt8(ascii: ":"), let oh = digits(i + 1, 2), let om = digits(i + 4, 2),
                oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (c[i] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        return days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    }

    /// Proleptic Gregorian date → days since 1970-01-01.
    static func days(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
