extension FieldSelector {
    /// Parses kubectl's field selector syntax, as Kubernetes' `fields.ParseSelector`:
    ///
    /// - Terms are split at commas not escaped with a backslash; empty terms are skipped, and
    ///   an empty text selects everything.
    /// - A term splits at the first place `!=`, `==` or `=` starts (tried in that order there):
    ///   the field before it, the value after. The field takes no escapes and is not trimmed.
    /// - In a value `\\`, `\,` and `\=` stand for `\`, `,` and `=`; any other backslash, and a
    ///   bare `=`, is refused, so a value is never silently cut at an operator.
    ///
    /// Whether the fields exist is the kind's business: see `check(for:)`.
    public init(parsing text: String) throws(FieldSelectorError) {
        var requirements: [Requirement] = []
        for term in Self.terms(of: text) where !term.isEmpty {
            requirements.append(try Self.requirement(term, in: text))
        }
        self.init(requirements)
    }

    /// The text's terms, split at unescaped commas, their backslashes kept for `unescape`.
    private static func terms(of text: String) -> [Substring] {
        var terms: [Substring] = []
        var start = text.startIndex
        var escaped = false
        for i in text.indices {
            let c = text[i]
            if escaped {
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "," {
                terms.append(text[start..<i])
                start = text.index(after: i)
            }
        }
        terms.append(text[start...])
        return terms
    }

    private static func requirement(_ term: Substring, in text: String) throws(FieldSelectorError) -> Requirement {
        let fail = { (problem: FieldSelectorError.Problem) in
            FieldSelectorError(selector: text, term: String(term), problem: problem)
        }
        var i = term.startIndex
        while i < term.endIndex {
            let rest = term[i...]
            // "==" before "=", so that "a==b" is not the field "a" equal to "=b".
            let found: (Operator, width: Int)? =
                rest.hasPrefix("!=") ? (.notEquals, 2) : rest.hasPrefix("==") ? (.equals, 2) : rest.hasPrefix("=") ? (.equals, 1) : nil
            if let (op, width) = found {
                let field = String(term[..<i])
                if field.isEmpty { throw fail(.noField) }
                let value = try unescape(rest.dropFirst(width), fail)
                return Requirement(field: field, operator: op, value: value)
            }
            i = term.index(after: i)
        }
        throw fail(.noOperator)
    }

    /// Kubernetes' `fields.UnescapeValue`.
    private static func unescape(
        _ raw: Substring, _ fail: (FieldSelectorError.Problem) -> FieldSelectorError
    ) throws(FieldSelectorError) -> String {
        var out = ""
        var escaped = false
        for c in raw {
            if escaped {
                guard c == "\\" || c == "," || c == "=" else { throw fail(.invalidEscape("\\\(c)")) }
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "=" {
                throw fail(.unescapedEquals)
            } else {
                out.append(c)
            }
        }
        if escaped { throw fail(.invalidEscape("\\")) }
        return out
    }
}
