/// Durations as Go's `time.ParseDuration` and Kubernetes write them — `500ms`, `1.5s`, `2m`,
/// `1h30m`, `0s`, `300us`, `10ns` — the one grammar of every pvd flag, variable and config key.
///
/// Two departures from Go, both deliberate: a negative duration is refused (no pvd setting has a
/// use for one), and a bare number is seconds (`0.2`, `30`), as pvd always took it and as its
/// tests and scripts still write `PVD_BUSY_TIMEOUT=0.2`. Go itself takes only a bare `0`.
public enum GoDuration {
    /// The units, with their length in nanoseconds. `µs` and `μs` (micro and mu) are Go's too.
    static let units: [String: UInt64] = [
        "ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    /// Parses `text`; the error says what is wrong, the caller says where the text came from.
    public static func parse(_ text: String) throws(DurationProblem) -> Duration {
        var rest = Substring(text)
        if rest.isEmpty { throw .empty }
        if rest.first == "-" { throw .negative }
        if rest.first == "+" { rest = rest.dropFirst() }
        // Scaled to nanoseconds as Go does it, in integers: no binary rounding of "0.1s".
        if rest.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            return try .nanoseconds(Int64(term(rest, unit: units["s"]!)))
        }
        var total: UInt64 = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unitText.count)
            guard let unit = units[String(unitText)] else { throw .notADuration }
            let (sum, overflow) = total.addingReportingOverflow(try term(number, unit: unit))
            guard !overflow, sum <= UInt64(Int64.max) else { throw .tooLong }
            total = sum
        }
        return .nanoseconds(Int64(total))
    }

    /// One `12.5`-and-unit term in nanoseconds.
    static func term(_ number: Substring, unit: UInt64) throws(DurationProblem) -> UInt64 {
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        // "5" "5." ".5" are numbers, "." and "" are not; a second dot is left in `fraction`.
        guard !(whole.isEmpty && fraction.isEmpty), !fraction.contains(".") else { throw .notADuration }
        var value: UInt64 = 0
        for digit in whole {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(UInt64(digit.wholeNumberValue!))
            guard !o1, !o2 else { throw .tooLong }
            value = plus
        }
        let (scaled, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw .tooLong }
        // Digits past the unit's nanosecond resolution are dropped, as Go drops them.
        var part: UInt64 = 0, scale = unit
        for digit in fraction where scale > 1 {
            scale /= 10
            part += UInt64(digit.wholeNumberValue!) * scale
        }
        let (sum, o3) = scaled.addingReportingOverflow(part)
        guard !o3, sum <= UInt64(Int64.max) else { throw .tooLong }
        return sum
    }

    /// The shortest exact spelling among `1h`, `2m`, `30s`, `500ms`, `300us`, `10ns`, as
    /// messages and `--help` print defaults and minimums.
    public static func format(_ d: Duration) -> String {
        let (seconds, attoseconds) = d.components
        let ns = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if ns == 0 { return "0s" }
        for (unit, size) in [("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] as [(String, Int64)]
        where ns % size == 0 {
            return "\(ns / size)\(unit)"
        }
        return "\(ns)ns"
    }
}
