import Yams

/// What one YAML document would become once its aliases are expanded, measured without
/// expanding them.
struct YAMLDocumentSize: Sendable, Equatable {
    /// Nodes as written; an alias counts as one.
    var writtenNodes = 0
    /// Nodes the aliases add: for every alias, the nodes of what it names, expanded.
    var aliasNodes = 0
    /// Scalar bytes the aliases add, in the same way.
    var aliasBytes = 0
    /// The most mappings and lists any value sits in, aliases expanded (a scalar document is 0).
    var nesting = 0

    var totalNodes: Int { YAMLExpansionMeter.saturating(writtenNodes, aliasNodes) }
}

/// Measures documents of one stream on the node graph Yams composes.
///
/// Yams resolves an alias to the very node its anchor names, so its graph shares nodes rather
/// than copying them, and is no larger than the text. Converting it to `JSONValue` is what
/// expands it, possibly exponentially (nine levels of nine aliases are 9^9 nodes). So this walks
/// the graph once, and remembers the expanded size of every anchored node the first time it
/// meets it, by the identity of its `Anchor`: every later meeting is an alias, whose size is then
/// known without looking inside. The work is proportional to the nodes written.
///
/// One meter must measure all documents of a stream, in order, while the stream's parser is
/// alive: Yams lets a document name anchors of earlier ones, and the parser keeps the `Anchor`
/// objects (nodes hold them weakly).
struct YAMLExpansionMeter {
    /// What an anchored node expands to.
    private struct Expansion {
        var nodes: Int
        var bytes: Int
        var height: Int
    }

    private var expansions: [ObjectIdentifier: Expansion] = [:]

    /// Sizes beyond any limit are held here rather than overflowing: 2^100 nodes takes 300 bytes.
    static let ceiling = 1 << 52

    static func saturating(_ a: Int, _ b: Int) -> Int { min(ceiling, a + b) }

    mutating func measure(_ root: Yams.Node) -> YAMLDocumentSize {
        var size = YAMLDocumentSize()
        size.nesting = visit(root, &size).height
        return size
    }

    private mutating func visit(_ node: Yams.Node, _ size: inout YAMLDocumentSize) -> Expansion {
        size.writtenNodes = Self.saturating(size.writtenNodes, 1)
        let anchor = node.sharedAnchor
        if let anchor, let known = expansions[ObjectIdentifier(anchor)] {
            size.aliasNodes = Self.saturating(size.aliasNodes, known.nodes)
            size.aliasBytes = Self.saturating(size.aliasBytes, known.bytes)
            return known
        }
        var e = Expansion(nodes: 1, bytes: 0, height: 0)
        func add(_ child: Yams.Node) {
            let c = visit(child, &size)
            e.nodes = Self.saturating(e.nodes, c.nodes)
            e.bytes = Self.saturating(e.bytes, c.bytes)
            e.height = max(e.height, c.height + 1)
        }
        switch node {
        case .scalar(let s):
            e.bytes = s.string.utf8.count
        case .sequence(let seq):
            e.height = 1
            for child in seq { add(child) }
        case .mapping(let map):
            e.height = 1
            for (key, value) in map {
                add(key)
                add(value)
            }
        case .alias:
            // Yams' parser resolves aliases itself; an unresolved one is refused by the converter.
            break
        }
        if let anchor { expansions[ObjectIdentifier(anchor)] = e }
        return e
    }
}

extension Yams.Node {
    /// The anchor a node was defined with, the one thing that lets an alias share it.
    fileprivate var sharedAnchor: Anchor? {
        switch self {
        case .scalar(let s): s.anchor
        case .sequence(let s): s.anchor
        case .mapping(let m): m.anchor
        case .alias: nil
        }
    }
}
