extension Time: FastJSONEncodable, FastJSONDecodable {
    /// Writes `rfc3339` without building Strings. Years outside 0...9999, which `rfc3339` pads
    /// oddly, go through `rfc3339` itself so the text stays the same.
    public func writeJSON(to w: inout JSONWriter) {
        let days = Self.floorDiv(seconds, 86_400)
        let (y, m, d) = Self.civil(fromDays: days)
        guard (0...9999).contains(y) else {
            w.string(rfc3339)
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
