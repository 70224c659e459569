import Foundation
import Yams

/// Converts between YAML text and `JSONValue`, resolving plain scalars with YAML 1.1's core rules
/// (as Kubernetes' YAML reader does): quoted scalars stay strings, `true`/`123`/`~` become
/// booleans, numbers and null, timestamps stay strings.
public enum YAMLConversion {
    /// The documents of a YAML stream, in order; empty documents come back as `.null`.
    public static func documents(_ text: String) throws -> [JSONValue] {
        var out: [JSONValue] = []
        var sequence = try Yams.compose_all(yaml: text)
        while let node = sequence.next() {
            out.append(try value(of: node))
        }
        if let error = sequence.error { throw error }
        return out
    }

    static func value(of node: Yams.Node) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style != .plain { return .string(s.string) }
            switch Tag.Name(rawValue: node.tag.rawValue) {
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
                    throw YAMLShapeError(message: "a mapping key must be a scalar")
                }
                o[ks.string] = try value(of: v)
            }
            return .object(o)
        case .sequence(let seq):
            return .array(try seq.map { try value(of: $0) })
        case .alias:
            throw YAMLShapeError(message: "YAML aliases are not supported")
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

/// A YAML document whose shape pvd cannot read (an alias, a non-scalar key).
public struct YAMLShapeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
