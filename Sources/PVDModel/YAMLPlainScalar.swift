/// What a plain (unquoted) YAML scalar stands for under YAML 1.1's core rules, the ones
/// Kubernetes' reader and Yams' default resolver apply: tried in Yams' order (bool, int, float,
/// null; anything else, timestamps included, stays a string).
///
/// Written as byte scans rather than Yams' regular expressions: through Foundation those cost
/// most of the time of reading a large manifest (each scalar resolved several times, also for
/// hashing mapping keys), for the same answers.
enum YAMLPlainScalar: Equatable {
    case null
    case bool(Bool)
    case int
    case float
    case string

    init(_ text: String) {
        var text = text
        self = text.withUTF8 { YAMLPlainScalar.classify($0) }
    }

    private static func classify(_ b: UnsafeBufferPointer<UInt8>) -> YAMLPlainScalar {
        switch b.count {
        case 0: return .null
        case 1 where b[0] == UInt8(ascii: "~"): return .null
        default: break
        }
        if let value = boolean(b) { return .bool(value) }
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        if equals(b, ["null", "Null", "NULL"]) { return .null }
        return .string
    }

    private static func equals(_ b: UnsafeBufferPointer<UInt8>, _ words: [StaticString]) -> Bool {
        words.contains { w in
            w.utf8CodeUnitCount == b.count && (0..<b.count).allSatisfy { w.utf8Start[$0] == b[$0] }
        }
    }

    private static func boolean(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard b.count <= 5 else { return nil }
        if equals(b, ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) { return true }
        if equals(b, ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) { return false }
        return nil
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// `count` or more bytes from `i` that `allowed` takes, to the end of `b`.
    private static func all(_ b: UnsafeBufferPointer<UInt8>, from i: Int, atLeast count: Int, _ allowed: (UInt8) -> Bool) -> Bool {
        b.count - i >= count && (i..<b.count).allSatisfy { allowed(b[$0]) }
    }

    /// `(?::[0-5]?[0-9])+` from `i` to the end (or, with `untilDot`, to the first '.').
    private static func sexagesimalTail(_ b: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Bool {
        var i = start
        var groups = 0
        while i < end {
            guard b[i] == UInt8(ascii: ":") else { return false }
            i += 1
            var digits = 0
            while i < end, isDigit(b[i]), digits < 2 { i += 1; digits += 1 }
            guard digits >= 1 else { return false }
            if digits == 2, b[i - 2] > UInt8(ascii: "5") { return false }
            groups += 1
        }
        return groups > 0
    }

    /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ |
    /// [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    private static func isInt(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") { i = 1 }
        guard i < b.count, isDigit(b[i]) else { return false }
        if b[i] == UInt8(ascii: "0") {
            let rest = i + 1
            if rest == b.count { return true }
            switch b[rest] {
            case UInt8(ascii: "b"): return all(b, from: rest + 1, atLeast: 1) { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") || $0 == UInt8(ascii: "_") }
            case UInt8(ascii: "x"):
                return all(b, from: rest + 1, atLeast: 1) { c in
                    isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F")) || c == UInt8(ascii: "_")
                }
            case UInt8(ascii: "o"): return all(b, from: rest + 1, atLeast: 1) { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7")) || $0 == UInt8(ascii: "_") }
            default: return all(b, from: rest, atLeast: 1) { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7")) || $0 == UInt8(ascii: "_") }
            }
        }
        var j = i + 1
        while j < b.count, isDigit(b[j]) || b[j] == UInt8(ascii: "_") { j += 1 }
        return j == b.count || sexagesimalTail(b, from: j, end: b.count)
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? |
    /// [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    private static func isFloat(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if equals(b, [".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"]) { return true }
        var i = 0
        let signed = b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+")
        if signed { i = 1 }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: ".") {
            // `\.[0-9_]+([eE][-+][0-9]+)?`, unsigned only.
            guard !signed else { return false }
            var j = i + 1
            let start = j
            while j < b.count, isDigit(b[j]) || b[j] == UInt8(ascii: "_") { j += 1 }
            guard j > start else { return false }
            if j == b.count { return true }
            guard b[j] == UInt8(ascii: "e") || b[j] == UInt8(ascii: "E"), j + 1 < b.count,
                  b[j + 1] == UInt8(ascii: "-") || b[j + 1] == UInt8(ascii: "+") else { return false }
            return all(b, from: j + 2, atLeast: 1, isDigit)
        }
        guard isDigit(b[i]) else { return false }
        var j = i + 1
        while j < b.count, isDigit(b[j]) || b[j] == UInt8(ascii: "_") { j += 1 }
        if j == b.count { return true }
        if b[j] == UInt8(ascii: ":") {
            // Sexagesimal with a fraction: `…(:[0-5]?[0-9])+\.[0-9_]*`.
            guard let dot = (j..<b.count).first(where: { b[$0] == UInt8(ascii: ".") }) else { return false }
            return sexagesimalTail(b, from: j, end: dot) && all(b, from: dot + 1, atLeast: 0) { isDigit($0) || $0 == UInt8(ascii: "_") }
        }
        if b[j] == UInt8(ascii: ".") {
            j += 1
            while j < b.count, isDigit(b[j]) || b[j] == UInt8(ascii: "_") { j += 1 }
            if j == b.count { return true }
        }
        guard b[j] == UInt8(ascii: "e") || b[j] == UInt8(ascii: "E") else { return false }
        j += 1
        if j < b.count, b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: "+") { j += 1 }
        return all(b, from: j, atLeast: 1, isDigit)
    }
}
