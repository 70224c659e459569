/// A field query, as kubectl's `--field-selector` and the API's `fieldSelector` take it:
/// requirements `field=value` (or `field==value`) and `field!=value`, joined by commas, all of
/// which must hold, as Kubernetes' `fields.ParseSelector` reads them.
///
/// Only the fields a kind offers may be named (`check(for:)`; see `SelectableField`), and
/// values compare as plain strings: a field selector has no set or existence operators.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    /// How a requirement compares a field's value.
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case notEquals = "!="
    }

    /// One term of the selector.
    public struct Requirement: Sendable, Hashable {
        public var field: String
        public var `operator`: Operator
        public var value: String

        public init(field: String, operator op: Operator, value: String) {
            self.field = field
            self.operator = op
            self.value = value
        }

        /// Whether a field holding `actual` satisfies this requirement.
        public func matches(_ actual: String) -> Bool {
            (actual == value) == (self.operator == .equals)
        }
    }

    public var requirements: [Requirement]

    public init(_ requirements: [Requirement] = []) {
        self.requirements = requirements
    }

    /// A selector with no requirements selects everything.
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether an object whose selectable fields hold `values` matches. A field missing from
    /// `values` reads as "", as Kubernetes reads a field an object has no value for.
    public func matches(_ values: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(values[$0.field] ?? "") }
    }

    /// The value `field` must equal, if a requirement pins it: lets a lister narrow its read
    /// (`metadata.namespace=x` reads one namespace), as Kubernetes' `RequiresExactMatch`.
    public func requiredValue(of field: String) -> String? {
        requirements.first { $0.field == field && $0.operator == .equals }?.value
    }

    /// The selector in kubectl's syntax, values escaped so that it parses back to itself; ""
    /// when empty, as Kubernetes prints the selector that selects everything.
    public var description: String {
        requirements.map { "\($0.field)\($0.operator.rawValue)\(Self.escape($0.value))" }.joined(separator: ",")
    }

    /// Kubernetes' `fields.EscapeValue`: a backslash before `\`, `,` and `=`.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            if c == "\\" || c == "," || c == "=" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
