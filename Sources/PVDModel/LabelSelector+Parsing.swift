extension LabelSelector {
    /// Parses kubectl's selector syntax (`pvd get -l`): comma-separated requirements, all of which
    /// must hold.
    ///
    /// | text | meaning | becomes |
    /// |---|---|---|
    /// | `a=b`, `a==b` | label a is b | matchLabels a: b |
    /// | `a!=b` | label a is not b, or absent | NotIn [b] |
    /// | `a in (x,y)` | label a is x or y | In [x, y] |
    /// | `a notin (x)` | label a is not x, or absent | NotIn [x] |
    /// | `a` | label a is present | Exists |
    /// | `!a` | label a is absent | DoesNotExist |
    ///
    /// An empty or blank text selects everything. Keys must be qualified names and values valid
    /// label values, as Kubernetes requires; `>` and `<` are refused because a LabelSelector
    /// cannot express them.
    public init(parsing text: String) throws(SelectorParseError) {
        var parser = SelectorParser(text: text)
        var labels: [String: String] = [:]
        var expressions: [LabelSelectorRequirement] = []
        for r in try parser.parse() {
            if r.operator == "=", labels[r.key] == nil || labels[r.key] == r.values[0] {
                labels[r.key] = r.values[0]
            } else {
                let op = switch r.operator {
                case "=": "In"
                case "!=": "NotIn"
                default: r.operator
                }
                let values = op == "Exists" || op == "DoesNotExist" ? nil : r.values
                expressions.append(LabelSelectorRequirement(key: r.key, operator: op, values: values))
            }
        }
        self.init(
            matchLabels: labels.isEmpty ? nil : labels,
            matchExpressions: expressions.isEmpty ? nil : expressions)
    }

    /// The selector in kubectl's syntax, requirements sorted by key as Kubernetes'
    /// `FormatLabelSelector` prints them ("app=db,tier in (a,b)"); "<none>" when empty.
    public var formatted: String {
        var parts: [(key: String, text: String)] = []
        for (k, v) in matchLabels ?? [:] { parts.append((k, "\(k)=\(v)")) }
        for e in matchExpressions ?? [] {
            let values = (e.values ?? []).sorted().joined(separator: ",")
            switch e.operator {
            case "In": parts.append((e.key, "\(e.key) in (\(values))"))
            case "NotIn": parts.append((e.key, "\(e.key) notin (\(values))"))
            case "Exists": parts.append((e.key, e.key))
            case "DoesNotExist": parts.append((e.key, "!\(e.key)"))
            default: parts.append((e.key, "\(e.key) \(e.operator) (\(values))"))
            }
        }
        if parts.isEmpty { return "<none>" }
        return parts.sorted { $0.key < $1.key }.map(\.text).joined(separator: ",")
    }
}

/// A label selector text that could not be parsed: the text, the character offset where the
/// problem was found, and the reason.
public struct SelectorParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var input: String
    public var position: Int
    public var reason: String
    public init(input: String, position: Int, reason: String) {
        self.input = input
        self.position = position
        self.reason = reason
    }
    public var description: String { "label selector \"\(input)\": \(reason) (at position \(position))" }
}
