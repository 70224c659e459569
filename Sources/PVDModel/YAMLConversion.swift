import Foundation
import Yams

/// Converts between YAML text and `JSONValue`, resolving plain scalars with YAML 1.1's core rules
/// (as Kubernetes' YAML reader does): quoted scalars stay strings, `true`/`123`/`~` become
/// booleans, numbers and null, timestamps stay strings.
public enum YAMLConversion {
    /// The documents of a YAML stream, in order; empty documents come back as `.null`.
    ///
    /// A document whose aliases would expand it past `ManifestLimits`, or that nests too deeply,
    /// is refused without being expanded (see `YAMLEventReader`).
    public static func documents(_ text: String) throws(YAMLReadError) -> [JSONValue] {
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(YAMLReadError) in try YAMLEventReader.documents(bytes) } }.get()
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
