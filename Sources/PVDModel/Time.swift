#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time with one-second precision, written as RFC 3339 in UTC ("2026-11-25T11:37:22Z"),
/// as Kubernetes' `metav1.Time` is.
public struct Time: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    /// The current wall-clock time, truncated to whole seconds.
    public static func now() -> Time {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Time(seconds: Int64(ts.tv_sec))
    }

    public static func < (a: Time, b: Time) -> Bool { a.seconds < b.seconds }

    public var description: String { rfc3339 }

    /// The RFC 3339 form in UTC.
    public var rfc3339: String {
        let (y, m, d) = Self.civil(fromDays: Self.floorDiv(seconds, 86_400))
        let s = Int(seconds - Self.floorDiv(seconds, 86_400) * 86_400)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var year = String(y)
        while year.count < 4 { year = "0" + year }
        return "\(year)-\(two(m))-\(two(d))T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))Z"
    }

    /// Parses RFC 3339 ("2006-01-02T15:04:05Z", fractional seconds and numeric offsets allowed).
    /// Returns nil for anything else.
    public init?(rfc3339 text: String) {
        var text = text
        guard let t = text.withUTF8({ Time(rfc3339UTF8: $0) }) else { return nil }
        self = t
    }

    /// `init?(rfc3339:)` over UTF-8 bytes, so the JSON reader parses times without making Strings.
    init?(rfc3339UTF8 b: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Self.parse(rfc3339UTF8: b) else { return nil }
        seconds = parsed.seconds
    }

    /// RFC 3339 over UTF-8 bytes: seconds since the epoch and the fraction's first six digits
    /// as microseconds (more digits are dropped, fewer padded), or nil for anything else.
    static func parse(rfc3339UTF8 b: UnsafeBufferPointer<UInt8>) -> (seconds: Int64, microseconds: Int32)? {
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116 || b[10] == 32,
              b[13] == 58, b[16] == 58,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var micros: Int32 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if i - start < 6 { micros = micros * 10 + Int32(b[i] - 48) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(i - start, 6)..<6 { micros *= 10 }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 60 + om) * 60 * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.days(fromCivil: y, mo, d)
        return (days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset), micros)
    }

    public init(from decoder: any Decoder) throws { self = try Self.decodeRFC3339(from: decoder, Time.init(rfc3339:)) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }

    /// A single RFC 3339 string, read by `parse` (Time's or MicroTime's), or Foundation's
    /// data-corrupted error naming the text.
    static func decodeRFC3339<T>(from decoder: any Decoder, _ parse: (String) -> T?) throws -> T {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let t = parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(text)\" is not an RFC 3339 time")
        }
        return t
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    // Howard Hinnant's days-from-civil algorithm: proleptic Gregorian calendar, no tables.
    private static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = Int(z0) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
