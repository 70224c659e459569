/// The tokenizer and recursive-descent parser behind `LabelSelector(parsing:)`.
struct SelectorParser {
    /// One parsed requirement; `operator` is "=", "!=", "In", "NotIn", "Exists" or "DoesNotExist".
    struct Requirement: Equatable {
        var key: String
        var `operator`: String
        var values: [String]
    }

    enum Token: Equatable {
        case identifier(String)
        case equals, doubleEquals, notEquals, bang, open, close, comma, greater, less
        case end

        var display: String {
            switch self {
            case .identifier(let s): "'\(s)'"
            case .equals: "'='"
            case .doubleEquals: "'=='"
            case .notEquals: "'!='"
            case .bang: "'!'"
            case .open: "'('"
            case .close: "')'"
            case .comma: "','"
            case .greater: "'>'"
            case .less: "'<'"
            case .end: "end of text"
            }
        }
    }

    let text: String
    private var tokens: [(token: Token, position: Int)] = []
    private var index = 0

    init(text: String) { self.text = text }

    private func fail(_ position: Int, _ reason: String) -> SelectorParseError {
        SelectorParseError(input: text, position: position, reason: reason)
    }

    mutating func parse() throws(SelectorParseError) -> [Requirement] {
        tokens = tokenize()
        index = 0
        if peek.token == .end { return [] }
        var result: [Requirement] = []
        while true {
            result.append(try requirement())
            let (t, at) = next()
            switch t {
            case .end: return result
            case .comma:
                if peek.token == .end { throw fail(peek.position, "expected a requirement after ','") }
            default: throw fail(at, "found \(t.display), expected ',' or end of text")
            }
        }
    }

    private var peek: (token: Token, position: Int) { tokens[index] }

    private mutating func next() -> (token: Token, position: Int) {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private mutating func requirement() throws(SelectorParseError) -> Requirement {
        if peek.token == .bang {
            _ = next()
            let key = try self.key()
            return Requirement(key: key, operator: "DoesNotExist", values: [])
        }
        let key = try self.key()
        let (t, at) = peek
        switch t {
        case .end, .comma:
            return Requirement(key: key, operator: "Exists", values: [])
        case .equals, .doubleEquals, .notEquals:
            _ = next()
            let value = try exactValue()
            return Requirement(key: key, operator: t == .notEquals ? "!=" : "=", values: [value])
        case .identifier("in"), .identifier("notin"):
            _ = next()
            let values = try valueList()
            return Requirement(key: key, operator: t == .identifier("in") ? "In" : "NotIn", values: values)
        case .greater, .less:
            throw fail(at, "operator \(t.display) is not supported: a label selector allows =, ==, !=, in, notin, exists (key) and !key")
        default:
            throw fail(at, "found \(t.display), expected '=', '==', '!=', 'in', 'notin', ',' or end of text")
        }
    }

    private mutating func key() throws(SelectorParseError) -> String {
        let (t, at) = next()
        guard case .identifier(let k) = t, k != "in", k != "notin" else {
            throw fail(at, "found \(t.display), expected a label key")
        }
        let problems = NameRules.qualifiedName(k)
        if !problems.isEmpty { throw fail(at, "invalid label key \"\(k)\": \(problems.joined(separator: "; "))") }
        return k
    }

    private mutating func exactValue() throws(SelectorParseError) -> String {
        let (t, at) = peek
        switch t {
        case .end, .comma: return ""
        case .identifier(let v):
            _ = next()
            return try checked(value: v, at: at)
        default: throw fail(at, "found \(t.display), expected a label value")
        }
    }

    private mutating func valueList() throws(SelectorParseError) -> [String] {
        let (open, openAt) = next()
        guard open == .open else { throw fail(openAt, "found \(open.display), expected '('") }
        var values: [String] = []
        var expectValue = true
        while true {
            let (t, at) = next()
            switch t {
            case .identifier(let v) where expectValue:
                values.append(try checked(value: v, at: at))
                expectValue = false
            case .comma:
                if expectValue { values.append("") }
                expectValue = true
            case .close:
                if expectValue && !values.isEmpty { values.append("") }
                if values.isEmpty { throw fail(at, "'in' and 'notin' need at least one value") }
                return values
            default:
                throw fail(at, "found \(t.display), expected \(expectValue ? "a label value" : "',' or ')'")")
            }
        }
    }

    private func checked(value: String, at position: Int) throws(SelectorParseError) -> String {
        let problems = NameRules.labelValue(value)
        if !problems.isEmpty { throw fail(position, "invalid label value \"\(value)\": \(problems.joined(separator: "; "))") }
        return value
    }

    private func tokenize() -> [(token: Token, position: Int)] {
        var out: [(Token, Int)] = []
        let chars = Array(text)
        var i = 0
        func isSpecial(_ c: Character) -> Bool { "!=(),<>".contains(c) }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
                continue
            }
            let start = i
            let following: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "=":
                if following == "=" { out.append((.doubleEquals, start)); i += 2 } else { out.append((.equals, start)); i += 1 }
            case "!":
                if following == "=" { out.append((.notEquals, start)); i += 2 } else { out.append((.bang, start)); i += 1 }
            case "(": out.append((.open, start)); i += 1
            case ")": out.append((.close, start)); i += 1
            case ",": out.append((.comma, start)); i += 1
            case ">": out.append((.greater, start)); i += 1
            case "<": out.append((.less, start)); i += 1
            default:
                while i < chars.count, !chars[i].isWhitespace, !isSpecial(chars[i]) { i += 1 }
                out.append((.identifier(String(chars[start..<i])), start))
            }
        }
        out.append((.end, chars.count))
        return out
    }
}
