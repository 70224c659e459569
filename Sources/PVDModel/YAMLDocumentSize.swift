/// What one YAML document would become once its aliases are expanded, counted without
/// expanding them (`YAMLEventReader` counts it as it reads).
struct YAMLDocumentSize: Sendable, Equatable {
    /// Nodes as written; an alias counts as one.
    var writtenNodes = 0
    /// Nodes the aliases add: for every alias, the nodes of what it names, expanded.
    var aliasNodes = 0
    /// Scalar bytes the aliases add, in the same way.
    var aliasBytes = 0
    /// The most mappings and lists any value sits in, aliases expanded (a scalar document is 0).
    var nesting = 0

    var totalNodes: Int { Self.saturating(writtenNodes, aliasNodes) }

    /// Sizes beyond any limit are held here rather than overflowing: nine levels of nine
    /// aliases nest to 9^9 nodes from a few hundred bytes, and deeper bombs to far more.
    static let ceiling = 1 << 52

    static func saturating(_ a: Int, _ b: Int) -> Int { min(ceiling, a + b) }
}
