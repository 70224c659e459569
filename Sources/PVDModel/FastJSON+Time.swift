extension Time: FastJSONEncodable, FastJSONDecodable {
    /// Writes `rfc3339` without building Strings.
    public func writeJSON(to w: inout JSONWriter) {
        Self.writeRFC3339(seconds: seconds, microseconds: nil, fallback: rfc3339, to: &w)
    }

    /// Writes a time as RFC 3339 in UTC, with six fraction digits when `microseconds` is given.
    /// Years outside 0...9999, which `rfc3339` pads oddly, are written as `fallback()` so the
    /// text stays what the Codable path writes.
    static func writeRFC3339(
        seconds: Int64, microseconds: Int32?, fallback: @autoclosure () -> String, to w: inout JSONWriter
    ) {
        let days = floorDiv(seconds, 86_400)
        let (y, m, d) = civil(fromDays: days)
        guard (0...9999).contains(y) else {
            w.string(fallback())
            return
        }
        let s = Int(seconds - days * 86_400)
        w.plainString { out in
            @inline(__always) func two(_ v: Int) {
                out.append(UInt8(ascii: "0") &+ UInt8(v / 10))
                out.append(UInt8(ascii: "0") &+ UInt8(v % 10))
            }
            two(y / 100)
            two(y % 100)
            out.append(UInt8(ascii: "-"))
            two(m)
            out.append(UInt8(ascii: "-"))
            two(d)
            out.append(UInt8(ascii: "T"))
            two(s / 3600)
            out.append(UInt8(ascii: ":"))
            two(s / 60 % 60)
            out.append(UInt8(ascii: ":"))
            two(s % 60)
            if let microseconds {
                let us = Int(microseconds)
                out.append(UInt8(ascii: "."))
                two(us / 10_000)
                two(us / 100 % 100)
                two(us % 100)
            }
            out.append(UInt8(ascii: "Z"))
        }
    }

    /// A string in RFC 3339, as `init(from:)` requires.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        if let t = try r.withRawString({ Time(rfc3339UTF8: $0) }) {
            self = t
            return
        }
        guard let t = Time(rfc3339: try r.readString()) else { throw FastJSONError() }
        self = t
    }
}
