import Foundation
import Yams

/// Converts between YAML text and `JSONValue`, resolving plain scalars with YAML 1.1's core rules
/// (as Kubernetes' YAML reader does): quoted scalars stay strings, `true`/`123`/`~` become
/// booleans, numbers and null, timestamps stay strings.
public enum YAMLConversion {
    /// The documents of a YAML stream, in order; empty documents come back as `.null`.
    ///
    /// Each document is measured on Yams' node graph before it is converted (see
    /// `YAMLExpansionMeter`) and refused if its aliases would expand it past
    /// `ManifestLimits` or it nests too deeply, so no conversion ever builds what it refuses.
    public static func documents(_ text: String) throws(YAMLReadError) -> [JSONValue] {
        var out: [JSONValue] = []
        var sequence: YamlSequence<Yams.Node>
        do {
            // No resolver rules: plain scalars are resolved by `YAMLPlainScalar`, without
            // Yams' regular expressions (see there).
            sequence = try Yams.compose_all(yaml: text, .basic)
        } catch {
            throw YAMLReadError(document: 1, reason: reason(for: error))
        }
        var meter = YAMLExpansionMeter()
        while let node = sequence.next() {
            let document = out.count + 1
            do throws(YAMLReadError.Reason) {
                try check(meter.measure(node))
                out.append(try value(of: node))
            } catch {
                throw YAMLReadError(document: document, reason: error)
            }
        }
        // The sequence ends at the first error, so the failing document is the next one.
        if let error = sequence.error { throw YAMLReadError(document: out.count + 1, reason: reason(for: error)) }
        return out
    }

    private static func check(_ size: YAMLDocumentSize) throws(YAMLReadError.Reason) {
        if size.nesting > ManifestLimits.maxNesting { throw .tooDeep(nesting: size.nesting) }
        if ManifestLimits.aliasingIsExcessive(aliasNodes: size.aliasNodes, totalNodes: size.totalNodes) {
            throw .excessiveAliasing(aliasNodes: size.aliasNodes, writtenNodes: size.writtenNodes)
        }
        if size.aliasBytes > ManifestLimits.maxAliasBytes { throw .aliasContentTooLarge(bytes: size.aliasBytes) }
    }

    private static func reason(for error: any Error) -> YAMLReadError.Reason {
        // libyaml stops at 1000 levels before any node exists; say so in the same words as ours.
        if case .parser(_, let problem, _, _)? = error as? YamlError, problem.hasPrefix("Maximum nesting level reached") {
            return .tooDeep(nesting: nil)
        }
        return .malformed("\(error)")
    }

    static func value(of node: Yams.Node) throws(YAMLReadError.Reason) -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style != .plain { return .string(s.string) }
            // An implicit tag (none written) reads as "" (or "!") until resolved; reading it
            // through `description` does not resolve it.
            let written = s.tag.description
            if written.isEmpty || written == "!" {
                switch YAMLPlainScalar(s.string) {
                case .null: return .null
                case .bool(let b): return .bool(b)
                case .int:
                    if let i = Int.construct(from: s), let exact = Int64(exactly: i) { return .int(exact) }
                    return .string(s.string)
                case .float: return Double.construct(from: s).map(JSONValue.double) ?? .string(s.string)
                case .string: return .string(s.string)
                }
            }
            switch Tag.Name(rawValue: written) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(s.string)
            case .int:
                if let i = Int64(exactly: node.int ?? Int.max), node.int != nil { return .int(i) }
                return .string(s.string)
            case .float: return node.float.map(JSONValue.double) ?? .string(s.string)
            default: return .string(s.string)
            }
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m {
                guard case .scalar(let ks) = k else {
                    throw .unsupportedShape("a mapping key must be a scalar")
                }
                o[ks.string] = try value(of: v)
            }
            return .object(o)
        case .sequence(let seq):
            var a: [JSONValue] = []
            a.reserveCapacity(seq.count)
            for child in seq { a.append(try value(of: child)) }
            return .array(a)
        case .alias:
            throw .unsupportedShape("YAML aliases are not supported")
        }
    }

    /// YAML text for a value: block style, keys sorted, strings quoted where YAML would read them
    /// as something else (as `kubectl get -o yaml` prints).
    public static func yaml(_ value: JSONValue) throws -> String {
        try Yams.serialize(node: node(of: value), sortKeys: true)
    }

    static func node(of value: JSONValue) -> Yams.Node {
        switch value {
        case .null: return Yams.Node("null", Tag(.null))
        case .bool(let b): return Yams.Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): return Yams.Node(String(i), Tag(.int))
        case .double(let d): return Yams.Node(String(d), Tag(.float))
        case .string(let s):
            // A plain scalar that would resolve to anything but a string must be quoted.
            let resolved = Resolver.default.resolveTag(of: Yams.Node(s))
            let style: Yams.Node.Scalar.Style = (resolved == .str && !s.isEmpty && !s.contains("\n")) ? .plain : (s.contains("\n") ? .literal : .doubleQuoted)
            return Yams.Node(s, Tag(.str), style)
        case .array(let a):
            return Yams.Node(a.map(node(of:)), Tag(.seq), .block)
        case .object(let o):
            let pairs = o.keys.sorted().map { (Yams.Node($0, Tag(.str)), node(of: o[$0]!)) }
            return Yams.Node(pairs, Tag(.map), .block)
        }
    }
}
