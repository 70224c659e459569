/// A field selector that cannot be used: the selector text, the term (or, for a field the
/// kind lacks, the field) at fault, and what is wrong with it.
public struct FieldSelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the term.
    public enum Problem: Sendable, Hashable {
        /// The term has no `=`, `==` or `!=`.
        case noOperator
        /// The term starts with its operator.
        case noField
        /// A backslash in a value not followed by `\`, `,` or `=` (the sequence, or a lone `\`
        /// at the end).
        case invalidEscape(String)
        /// A second `=` in a term, which must be written `\=` in a value.
        case unescapedEquals
        /// Objects of this kind cannot be selected by the field.
        case notAField(ResourceKind)
        /// Kubernetes selects objects of this kind by the field, but pvd does not keep it.
        case notKept(ResourceKind)
    }

    // Made only by the parser and `check(for:)`: the memberwise init stays internal.
    public var selector: String
    public var term: String
    public var problem: Problem

    public var description: String {
        let at = "field selector \"\(selector)\": term \"\(term)\""
        switch problem {
        case .noOperator: return "\(at) has no operator; write field=value, field==value or field!=value"
        case .noField: return "\(at) names no field before its operator"
        case .invalidEscape(let s): return "\(at): \"\(s)\" is no escape; a value may escape only \\, ',' and '=' (as \\\\, \\, and \\=)"
        case .unescapedEquals: return "\(at): a '=' in a value must be written \\="
        case .notAField(let kind):
            return "\(kind.plural): field selector \"\(term)\": not a field of \(kind.rawValue); supported: \(Self.list(kind))"
        case .notKept(let kind):
            return "\(kind.plural): field selector \"\(term)\": Kubernetes selects \(kind.rawValue)s by this field, but pvd does not keep it; supported: \(Self.list(kind))"
        }
    }

    private static func list(_ kind: ResourceKind) -> String { kind.selectableFields.joined(separator: ", ") }
}
