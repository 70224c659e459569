#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time with microsecond precision, written as RFC 3339 in UTC with six fraction
/// digits ("2024-01-02T03:04:05.123456Z"), as Kubernetes' `metav1.MicroTime` is (a Lease's
/// acquire and renew times).
///
/// Reading is as lenient as `Time`'s: any number of fraction digits (the first six kept) or none,
/// and numeric offsets; Kubernetes itself insists on exactly six.
public struct MicroTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since the Unix epoch.
    public var seconds: Int64
    /// Microseconds past `seconds`, 0...999_999.
    public var microseconds: Int32

    public init(seconds: Int64, microseconds: Int32 = 0) {
        precondition((0..<1_000_000).contains(microseconds), "microseconds \(microseconds) out of range")
        self.seconds = seconds
        self.microseconds = microseconds
    }

    /// The current wall-clock time, to the microsecond.
    public static func now() -> MicroTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return MicroTime(seconds: Int64(ts.tv_sec), microseconds: Int32(ts.tv_nsec / 1000))
    }

    /// The same instant to the second.
    public var time: Time { Time(seconds: seconds) }

    public static func < (a: MicroTime, b: MicroTime) -> Bool {
        (a.seconds, a.microseconds) < (b.seconds, b.microseconds)
    }

    public var description: String { rfc3339 }

    /// The RFC 3339 form in UTC, with six fraction digits.
    public var rfc3339: String {
        var text = Time(seconds: seconds).rfc3339
        var fraction = String(microseconds)
        while fraction.count < 6 { fraction = "0" + fraction }
        text.insert(contentsOf: "." + fraction, at: text.index(before: text.endIndex))
        return text
    }

    /// Parses RFC 3339; nil for anything else.
    public init?(rfc3339 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Time.parse(rfc3339UTF8: $0) }) else { return nil }
        self.init(seconds: parsed.seconds, microseconds: parsed.microseconds)
    }

    public init(from decoder: any Decoder) throws { self = try Time.decodeRFC3339(from: decoder, MicroTime.init(rfc3339:)) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }
}

extension MicroTime: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        Time.writeRFC3339(seconds: seconds, microseconds: microseconds, fallback: rfc3339, to: &w)
    }

    /// A string in RFC 3339, as `init(from:)` requires.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        guard let parsed = try r.withRawString({ Time.parse(rfc3339UTF8: $0) }) else {
            guard let t = MicroTime(rfc3339: try r.readString()) else { throw FastJSONError() }
            self = t
            return
        }
        self.init(seconds: parsed.seconds, microseconds: parsed.microseconds)
    }
}
