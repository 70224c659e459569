/// A type that writes itself as compact JSON with sorted keys, byte for byte as `JSONEncoder`
/// with `[.sortedKeys, .withoutEscapingSlashes]` writes its `Encodable` form.
///
/// Conformances are written by hand, members in sorted order, because Foundation's encoder
/// costs tens of microseconds per object and the store encodes every object it writes.
public protocol FastJSONEncodable: Encodable {
    /// Appends this value's JSON to `w`. Values Foundation would refuse (a non-finite double)
    /// mark the writer unsupported instead, so the caller can let Foundation throw its error.
    func writeJSON(to w: inout JSONWriter)
}

/// Appends compact JSON to a byte buffer, formatting as Foundation's `JSONEncoder` does: keys
/// of dictionaries sorted by their UTF-8 bytes, `/` not escaped, control characters as
/// `\b \f \n \r \t` or lower-case `\u00xx`, integers in decimal, doubles as `description`
/// without a trailing ".0".
///
/// Commas are placed by a one-bit state: every key and value writes one first when something
/// precedes it in the current container, so conformances only list their members.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8]
    /// Set when a value cannot be written the way Foundation would write it; the bytes are then
    /// meaningless and the caller must encode with Foundation instead.
    public private(set) var unsupported = false
    private var needsComma = false

    /// `capacity`: bytes to reserve; a bound PV is about 1 KB, so most objects never regrow.
    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Gives up on this encoding: see `unsupported`.
    public mutating func markUnsupported() { unsupported = true }

    @inline(__always)
    private mutating func comma() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    @inline(__always)
    private mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    // MARK: Containers

    public mutating func beginObject() {
        comma()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        comma()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes a member name known to need no escaping (the model's field names).
    public mutating func key(_ k: StaticString) {
        comma()
        bytes.append(UInt8(ascii: "\""))
        append(k)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes an arbitrary member name (a map key), escaped.
    public mutating func key(_ k: String) {
        comma()
        writeEscaped(k)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a value already encoded as JSON (an object's stored bytes), as it is.
    public mutating func raw(_ json: [UInt8]) {
        comma()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    // MARK: Scalars

    public mutating func null() {
        comma()
        append("null")
        needsComma = true
    }

    public mutating func bool(_ b: Bool) {
        comma()
        if b { append("true") } else { append("false") }
        needsComma = true
    }

    public mutating func string(_ s: String) {
        comma()
        writeEscaped(s)
        needsComma = true
    }

    /// Writes ASCII bytes known to need no escaping as a JSON string (times, quantities).
    mutating func plainString(_ body: (inout [UInt8]) -> Void) {
        comma()
        bytes.append(UInt8(ascii: "\""))
        body(&bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func int(_ v: Int64) {
        comma()
        Self.appendDecimal(v, to: &bytes)
        needsComma = true
    }

    /// Foundation writes a double as its `description` minus a trailing ".0" ("2", "1.5",
    /// "1e+20", "-0") and refuses infinities and NaN.
    public mutating func double(_ d: Double) {
        guard d.isFinite else {
            unsupported = true
            return
        }
        comma()
        var text = d.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    // MARK: Members that Foundation omits when nil (`encodeIfPresent`)

    public mutating func field(_ k: StaticString, _ v: String?) {
        guard let v else { return }
        key(k)
        string(v)
    }

    public mutating func field(_ k: StaticString, _ v: Int64?) {
        guard let v else { return }
        key(k)
        int(v)
    }

    public mutating func field(_ k: StaticString, _ v: Int?) {
        guard let v else { return }
        key(k)
        int(Int64(v))
    }

    public mutating func field(_ k: StaticString, _ v: Int32?) {
        guard let v else { return }
        key(k)
        int(Int64(v))
    }

    public mutating func field(_ k: StaticString, _ v: Bool?) {
        guard let v else { return }
        key(k)
        bool(v)
    }

    public mutating func field<T: FastJSONEncodable>(_ k: StaticString, _ v: T?) {
        guard let v else { return }
        key(k)
        v.writeJSON(to: &self)
    }

    public mutating func field(_ k: StaticString, _ v: [String]?) {
        guard let v else { return }
        key(k)
        beginArray()
        for s in v { string(s) }
        endArray()
    }

    public mutating func field<T: FastJSONEncodable>(_ k: StaticString, _ v: [T]?) {
        guard let v else { return }
        key(k)
        array(v)
    }

    public mutating func field(_ k: StaticString, _ v: [String: String]?) {
        guard let v else { return }
        key(k)
        beginObject()
        for (mk, mv) in Self.sorted(v) {
            key(mk)
            string(mv)
        }
        endObject()
    }

    public mutating func field<T: FastJSONEncodable>(_ k: StaticString, _ v: [String: T]?) {
        guard let v else { return }
        key(k)
        object(v)
    }

    public mutating func array<T: FastJSONEncodable>(_ v: [T]) {
        beginArray()
        for e in v { e.writeJSON(to: &self) }
        endArray()
    }

    public mutating func object<T: FastJSONEncodable>(_ v: [String: T]) {
        beginObject()
        for (mk, mv) in Self.sorted(v) {
            key(mk)
            mv.writeJSON(to: &self)
        }
        endObject()
    }

    // MARK: Helpers

    /// Foundation (outside Apple's framework build) orders keys by their UTF-8 bytes.
    @inline(__always)
    static func sorted<V>(_ d: [String: V]) -> [(key: String, value: V)] {
        if d.count < 2 { return Array(d) }
        return d.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude as UInt64, so Int64.min has one too.
        var m = v.magnitude
        // Digits come out least significant first; reverse them in place.
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(m % 10))
            m /= 10
        } while m > 0
        out[start..<out.count].reverse()
    }

    /// Appends `s` quoted, escaping exactly what Foundation escapes (slashes excepted, as
    /// `.withoutEscapingSlashes` asks).
    private mutating func writeEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var mark = 0
            var i = 0
            let n = u.count
            while i < n {
                let c = u[i]
                if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
                if i > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[mark..<i])) }
                bytes.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(Self.hexDigit(c >> 4))
                    bytes.append(Self.hexDigit(c & 0xF))
                }
                i += 1
                mark = i
            }
            if n > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[mark..<n])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Foundation's `\u00xx` escapes use lower-case hex digits.
    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") &+ v : UInt8(ascii: "a") &+ (v &- 10)
    }
}
