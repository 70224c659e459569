/// A type that reads itself from JSON with a `JSONReader`, accepting exactly what its Codable
/// `init(from:)` accepts from Foundation's `JSONDecoder`, or throwing.
///
/// Throwing is never final: `JSONCoding.decode` then decodes with Foundation, which either
/// accepts the input after all (its few leniencies, such as `1.0` for an integer or a trailing
/// comma) or throws the error with coding path that callers show.
public protocol FastJSONDecodable: Decodable {
    init(json r: inout JSONReader) throws(FastJSONError)
}

/// The fast decoder declined the input; see `FastJSONDecodable`. Deliberately carries nothing:
/// it is never shown, and an empty error costs nothing to throw.
public struct FastJSONError: Error, Sendable {
    public init() {}
}

/// A pull parser over UTF-8 JSON bytes. Strict RFC 8259 JSON only; anything else, and anything
/// Foundation might read differently (duplicate keys, integers written as `1e3`, nesting deeper
/// than `maxDepth`), throws `FastJSONError` so Foundation decides.
///
/// The buffer must outlive the reader: `JSONCoding.decode` keeps it alive around the parse.
public struct JSONReader {
    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    /// Where the current member name's bytes are, when it had no escapes.
    private var keyStart = 0
    private var keyCount = 0
    /// The current member name, unescaped, when it had escapes.
    private var escapedKey: [UInt8]? = nil
    /// Nesting of JSONValue and skipped values; Foundation stops at 512, so stopping well before
    /// never accepts what it refuses. Manifests are held to it before they get here
    /// (`ManifestLimits.maxNesting`).
    static let maxDepth = 256

    public init(_ buffer: UnsafeBufferPointer<UInt8>) { b = buffer }

    /// Reads one `T` that must fill the whole buffer (whitespace aside).
    public static func decode<T: FastJSONDecodable>(_: T.Type, from buffer: UnsafeBufferPointer<UInt8>) throws(FastJSONError) -> T {
        var r = JSONReader(buffer)
        let v = try T(json: &r)
        r.skipWhitespace()
        guard r.i == r.b.count else { throw FastJSONError() }
        return v
    }

    // MARK: Bytes

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < b.count {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// The next byte after whitespace, not consumed; 0 at the end (0 is never valid there).
    @inline(__always)
    private mutating func peek() -> UInt8 {
        skipWhitespace()
        return i < b.count ? b[i] : 0
    }

    @inline(__always)
    private mutating func expect(_ c: UInt8) throws(FastJSONError) {
        guard peek() == c else { throw FastJSONError() }
        i += 1
    }

    private mutating func literal(_ s: StaticString) throws(FastJSONError) {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { throw FastJSONError() }
        let p = s.utf8Start
        for k in 0..<n where b[i + k] != p[k] { throw FastJSONError() }
        i += n
    }

    // MARK: Objects and arrays

    /// Consumes `{`. Follow with `while try r.nextKey(&first)`, `first` starting true.
    public mutating func beginObject() throws(FastJSONError) { try expect(UInt8(ascii: "{")) }

    /// Moves to the next member and reads its name and colon; false (having consumed `}`) at
    /// the end of the object. Read or skip the member's value before calling again.
    public mutating func nextKey(_ first: inout Bool) throws(FastJSONError) -> Bool {
        var c = peek()
        if c == UInt8(ascii: "}") {
            i += 1
            return false
        }
        if first {
            first = false
        } else {
            guard c == UInt8(ascii: ",") else { throw FastJSONError() }
            i += 1
            c = peek()
        }
        guard c == UInt8(ascii: "\"") else { throw FastJSONError() }
        i += 1
        let start = i
        var ascii = true
        while i < b.count {
            let d = b[i]
            if d == UInt8(ascii: "\"") { break }
            if d >= 0x80 { ascii = false }
            if d == UInt8(ascii: "\\") || d < 0x20 {
                // Rare: let the general string reader unescape it.
                i = start - 1
                escapedKey = Array(try readString().utf8)
                try expect(UInt8(ascii: ":"))
                return true
            }
            i += 1
        }
        guard i < b.count else { throw FastJSONError() }
        // Foundation refuses invalid UTF-8 anywhere, even in members nobody reads.
        if !ascii, String(validating: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) == nil {
            throw FastJSONError()
        }
        keyStart = start
        keyCount = i - start
        escapedKey = nil
        i += 1
        try expect(UInt8(ascii: ":"))
        return true
    }

    /// Whether the current member is named `k`.
    @inline(__always)
    public func isKey(_ k: StaticString) -> Bool {
        let n = k.utf8CodeUnitCount
        if let escapedKey {
            return escapedKey.count == n && escapedKey.elementsEqual(UnsafeBufferPointer(start: k.utf8Start, count: n))
        }
        guard keyCount == n else { return false }
        let p = k.utf8Start
        var j = 0
        while j < n {
            if b[keyStart + j] != p[j] { return false }
            j += 1
        }
        return true
    }

    /// Records that the member with bit `bit` was seen, throwing on a repeat: Foundation keeps the
    /// first of duplicate members, so a repeat is left to it.
    @inline(__always)
    public func once(_ seen: inout UInt32, _ bit: UInt32) throws(FastJSONError) {
        guard seen & bit == 0 else { throw FastJSONError() }
        seen |= bit
    }

    /// Consumes `[`. Follow with `while try r.nextElement(&first)`, `first` starting true.
    public mutating func beginArray() throws(FastJSONError) { try expect(UInt8(ascii: "[")) }

    /// Moves to the next element; false (having consumed `]`) at the end of the array.
    public mutating func nextElement(_ first: inout Bool) throws(FastJSONError) -> Bool {
        let c = peek()
        if c == UInt8(ascii: "]") {
            i += 1
            return false
        }
        if first {
            first = false
        } else {
            guard c == UInt8(ascii: ",") else { throw FastJSONError() }
            i += 1
        }
        return true
    }

    // MARK: Scalars

    /// Consumes `null` if it is next.
    public mutating func consumeNull() -> Bool {
        guard peek() == UInt8(ascii: "n"), i + 4 <= b.count,
              b[i + 1] == UInt8(ascii: "u"), b[i + 2] == UInt8(ascii: "l"), b[i + 3] == UInt8(ascii: "l")
        else { return false }
        i += 4
        return true
    }

    public mutating func readBool() throws(FastJSONError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            throw FastJSONError()
        }
    }

    /// Whether the next value is a JSON string.
    public mutating func atString() -> Bool { peek() == UInt8(ascii: "\"") }

    public mutating func readString() throws(FastJSONError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = i
        var ascii = true
        // Fast path: no escapes, so the bytes are the string.
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(rebasing: b[start..<i])
                i += 1
                // ASCII needs no validation, and `String(decoding:)` is much cheaper than
                // `String(validating:)`, which only non-ASCII text needs (Foundation refuses
                // invalid UTF-8 rather than repairing it).
                if ascii { return String(decoding: bytes, as: UTF8.self) }
                guard let s = String(validating: bytes, as: UTF8.self) else { throw FastJSONError() }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw FastJSONError() }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        guard i < b.count else { throw FastJSONError() }
        var out = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
        while i < b.count {
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") {
                guard let s = String(validating: out, as: UTF8.self) else { throw FastJSONError() }
                return s
            }
            if c < 0x20 { throw FastJSONError() }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard i < b.count else { throw FastJSONError() }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { throw FastJSONError() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw FastJSONError() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw FastJSONError()
                }
                Self.appendUTF8(scalar, to: &out)
            default:
                throw FastJSONError()
            }
        }
        throw FastJSONError()
    }

    /// Appends a scalar (never a surrogate, at most 0x10FFFF: `hex4` and the pairing ensure it).
    private static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    private mutating func hex4() throws(FastJSONError) -> UInt32 {
        guard i + 4 <= b.count else { throw FastJSONError() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw FastJSONError()
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// A JSON number token, checked against the grammar: its bytes, and whether it is a plain
    /// integer (no fraction, no exponent).
    private mutating func numberToken() throws(FastJSONError) -> (start: Int, end: Int, integer: Bool) {
        skipWhitespace()
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, Self.isDigit(b[i]) else { throw FastJSONError() }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < b.count, Self.isDigit(b[i]) { i += 1 }
        }
        var integer = true
        if i < b.count, b[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard i < b.count, Self.isDigit(b[i]) else { throw FastJSONError() }
            while i < b.count, Self.isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            integer = false
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, Self.isDigit(b[i]) else { throw FastJSONError() }
            while i < b.count, Self.isDigit(b[i]) { i += 1 }
        }
        return (start, i, integer)
    }

    @inline(__always)
    private static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// The integer in `start..<end` (a plain-integer token), or nil when it overflows Int64.
    private func int64(_ start: Int, _ end: Int) -> Int64? {
        var k = start
        let negative = b[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        // Accumulate negatively so Int64.min fits.
        var v: Int64 = 0
        while k < end {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(b[k] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            v = s
            k += 1
        }
        if negative { return v }
        return v == .min ? nil : -v
    }

    /// A plain integer. Foundation also reads `1.0` or `1e3` as integers; those are left to it.
    public mutating func readInt64() throws(FastJSONError) -> Int64 {
        let t = try numberToken()
        guard t.integer, let v = int64(t.start, t.end) else { throw FastJSONError() }
        return v
    }

    public mutating func readInt() throws(FastJSONError) -> Int {
        guard let v = Int(exactly: try readInt64()) else { throw FastJSONError() }
        return v
    }

    /// A plain integer that fits 32 bits, as Kubernetes' `int32` members are.
    public mutating func readInt32() throws(FastJSONError) -> Int32 {
        guard let v = Int32(exactly: try readInt64()) else { throw FastJSONError() }
        return v
    }

    /// Any JSON value, as `JSONValue.init(from:)` reads it: integers that fit Int64 as `.int`,
    /// other numbers as `.double`.
    public mutating func readJSONValue() throws(FastJSONError) -> JSONValue {
        try readJSONValue(depth: 0)
    }

    private mutating func readJSONValue(depth: Int) throws(FastJSONError) -> JSONValue {
        guard depth < Self.maxDepth else { throw FastJSONError() }
        switch peek() {
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return .bool(try readBool())
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "["):
            i += 1
            var a: [JSONValue] = []
            var first = true
            while try nextElement(&first) { a.append(try readJSONValue(depth: depth + 1)) }
            return .array(a)
        case UInt8(ascii: "{"):
            i += 1
            var o: [String: JSONValue] = [:]
            var first = true
            while try nextKey(&first) {
                let k = currentKey()
                let v = try readJSONValue(depth: depth + 1)
                // A repeated key: Foundation keeps the first; leave that to it.
                guard o.updateValue(v, forKey: k) == nil else { throw FastJSONError() }
            }
            return .object(o)
        default:
            let t = try numberToken()
            if t.integer, let v = int64(t.start, t.end) { return .int(v) }
            // Foundation reads a number as `.int` when its double value is a whole number that
            // fits Int64 ("1.0", "1e2"), else as `.double`. Near Int64's range its exact rules
            // are not worth copying: whole numbers below 2^64 in magnitude are left to it.
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[t.start..<t.end]), as: UTF8.self)
            guard let d = Double(text), d.isFinite else { throw FastJSONError() }
            guard d.rounded(.towardZero) != d || d.magnitude >= 0x1p64 else { throw FastJSONError() }
            return .double(d)
        }
    }

    /// The current member name as a String (map keys).
    public func currentKey() -> String {
        if let escapedKey { return String(decoding: escapedKey, as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: b[keyStart..<(keyStart + keyCount)]), as: UTF8.self)
    }

    /// Skips one value of any kind, checking its syntax.
    public mutating func skipValue() throws(FastJSONError) {
        try skipValue(depth: 0)
    }

    private mutating func skipValue(depth: Int) throws(FastJSONError) {
        guard depth < Self.maxDepth else { throw FastJSONError() }
        switch peek() {
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "["):
            i += 1
            var first = true
            while try nextElement(&first) { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "{"):
            i += 1
            var first = true
            while try nextKey(&first) { try skipValue(depth: depth + 1) }
        default:
            _ = try numberToken()
        }
    }

    // MARK: Typed helpers, as `decodeIfPresent` / `decode` read

    /// nil for null; otherwise a string.
    public mutating func optionalString() throws(FastJSONError) -> String? {
        if consumeNull() { return nil }
        return try readString()
    }

    public mutating func optionalInt64() throws(FastJSONError) -> Int64? {
        if consumeNull() { return nil }
        return try readInt64()
    }

    public mutating func optionalInt() throws(FastJSONError) -> Int? {
        if consumeNull() { return nil }
        return try readInt()
    }

    public mutating func optionalInt32() throws(FastJSONError) -> Int32? {
        if consumeNull() { return nil }
        return try readInt32()
    }

    public mutating func optionalBool() throws(FastJSONError) -> Bool? {
        if consumeNull() { return nil }
        return try readBool()
    }

    public mutating func optional<T: FastJSONDecodable>(_: T.Type) throws(FastJSONError) -> T? {
        if consumeNull() { return nil }
        return try T(json: &self)
    }

    public mutating func readStringArray() throws(FastJSONError) -> [String] {
        try beginArray()
        var a: [String] = []
        var first = true
        while try nextElement(&first) { a.append(try readString()) }
        return a
    }

    public mutating func optionalStringArray() throws(FastJSONError) -> [String]? {
        if consumeNull() { return nil }
        return try readStringArray()
    }

    public mutating func readArray<T: FastJSONDecodable>(_: T.Type) throws(FastJSONError) -> [T] {
        try beginArray()
        var a: [T] = []
        var first = true
        while try nextElement(&first) { a.append(try T(json: &self)) }
        return a
    }

    public mutating func optionalArray<T: FastJSONDecodable>(_: T.Type) throws(FastJSONError) -> [T]? {
        if consumeNull() { return nil }
        return try readArray(T.self)
    }

    public mutating func optionalStringMap() throws(FastJSONError) -> [String: String]? {
        if consumeNull() { return nil }
        try beginObject()
        var m: [String: String] = [:]
        var first = true
        while try nextKey(&first) {
            let k = currentKey()
            guard m.updateValue(try readString(), forKey: k) == nil else { throw FastJSONError() }
        }
        return m
    }

    public mutating func optionalMap<T: FastJSONDecodable>(_: T.Type) throws(FastJSONError) -> [String: T]? {
        if consumeNull() { return nil }
        try beginObject()
        var m: [String: T] = [:]
        var first = true
        while try nextKey(&first) {
            let k = currentKey()
            guard m.updateValue(try T(json: &self), forKey: k) == nil else { throw FastJSONError() }
        }
        return m
    }

    /// A string's raw bytes without making a String, for values parsed from ASCII (times,
    /// quantities); nil when it has escapes, which `readString` then handles.
    mutating func withRawString<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R?) throws(FastJSONError) -> R? {
        guard peek() == UInt8(ascii: "\"") else { throw FastJSONError() }
        var k = i + 1
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return nil }
            k += 1
        }
        guard k < b.count else { throw FastJSONError() }
        let r = body(UnsafeBufferPointer(rebasing: b[(i + 1)..<k]))
        if r != nil { i = k + 1 }
        return r
    }
}
