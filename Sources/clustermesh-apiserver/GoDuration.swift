import ArgumentParser

/// A flag value in Go's `time.ParseDuration` form (`15s`, `10m0s`, `1h30m`, `500ms`), as
/// Cilium's flags take them; a bare number is seconds.
struct GoDuration: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let seconds: Double
    let text: String

    init(seconds: Double) {
        self.seconds = seconds
        self.text = "\(seconds)s"
    }

    init?(argument: String) {
        guard let s = Self.parse(argument), s >= 0 else { return nil }
        seconds = s
        text = argument
    }

    var description: String { text }
    var defaultValueDescription: String { text }

    static func parse(_ text: String) -> Double? {
        if let plain = Double(text) { return plain }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) })
            else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return total
    }
}
