/// A YAML document pvd will not read: which document of the stream (1-based) and why.
public struct YAMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a document was refused.
    public enum Reason: Error, Sendable, Equatable, CustomStringConvertible {
        /// The YAML parser's own error, with its line and column.
        case malformed(String)
        /// A shape JSON cannot hold, such as a mapping key that is not a scalar.
        case unsupportedShape(String)
        /// Aliases would expand the document past `ManifestLimits.aliasingIsExcessive`.
        case excessiveAliasing(aliasNodes: Int, writtenNodes: Int)
        /// Aliases would add more content than `ManifestLimits.maxAliasBytes`.
        case aliasContentTooLarge(bytes: Int)
        /// Nested deeper than `ManifestLimits.maxNesting`; nil when the YAML parser's own limit
        /// stopped it first.
        case tooDeep(nesting: Int?)

        public var description: String {
            switch self {
            case .malformed(let message):
                return "malformed YAML: \(message)"
            case .unsupportedShape(let message):
                return message
            case .excessiveAliasing(let aliasNodes, let writtenNodes):
                return "document contains excessive aliasing: its aliases expand \(writtenNodes) written nodes by \(Self.count(aliasNodes)) more (refused as Kubernetes' YAML decoder does)"
            case .aliasContentTooLarge(let bytes):
                return "document contains excessive aliasing: its aliases add \(Self.count(bytes)) bytes, more than the \(ManifestLimits.maxAliasBytes) one object may have"
            case .tooDeep(let nesting?):
                return "nested \(nesting) levels deep, more than the \(ManifestLimits.maxNesting) levels pvd reads"
            case .tooDeep(nil):
                // 1000 is libyaml's default `yaml_set_max_nest_level`, which Yams leaves as it is.
                return "nested more than the YAML parser's limit of 1000 levels deep (pvd reads \(ManifestLimits.maxNesting))"
            }
        }

        /// A count that may have reached the meter's ceiling, where it stopped counting.
        private static func count(_ n: Int) -> String {
            n >= YAMLDocumentSize.ceiling ? "more than \(YAMLDocumentSize.ceiling)" : "\(n)"
        }
    }

    public var document: Int
    public var reason: Reason

    public init(document: Int, reason: Reason) {
        self.document = document
        self.reason = reason
    }

    public var description: String { "document \(document): \(reason)" }
}
