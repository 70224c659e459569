import Foundation
import PVDModel

/// RFC 6902 JSON patch (`kubectl patch --type json`): add, remove, replace, move, copy and
/// test over RFC 6901 pointers.
public enum JSONPatch {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
    }

    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(Failure) -> JSONValue {
        guard case .array(let ops) = patch else { throw Failure(problem: "a JSON patch is a list of operations") }
        var doc = target
        for (i, op) in ops.enumerated() {
            guard let name = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw Failure(problem: "operation \(i) needs op and path")
            }
            let tokens = try pointer(path)
            switch name {
            case "add": doc = try set(doc, tokens[...], try value(op, i), insert: true)
            case "replace":
                _ = try get(doc, tokens[...])
                doc = try set(doc, tokens[...], try value(op, i), insert: false)
            case "remove": doc = try remove(doc, tokens[...])
            case "test":
                guard try get(doc, tokens[...]) == (try value(op, i)) else { throw Failure(problem: "test failed at \(path)") }
            case "move", "copy":
                guard let from = op["from"]?.stringValue else { throw Failure(problem: "operation \(i) needs from") }
                let source = try pointer(from)
                let v = try get(doc, source[...])
                if name == "move" { doc = try remove(doc, source[...]) }
                doc = try set(doc, tokens[...], v, insert: true)
            default: throw Failure(problem: "unknown op \"\(name)\"")
            }
        }
        return doc
    }

    static func value(_ op: JSONValue, _ i: Int) throws(Failure) -> JSONValue {
        guard case .object(let o) = op, let v = o["value"] else { throw Failure(problem: "operation \(i) needs a value") }
        return v
    }

    static func pointer(_ path: String) throws(Failure) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(problem: "path \"\(path)\" must start with /") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ doc: JSONValue, _ tokens: ArraySlice<String>) throws(Failure) -> JSONValue {
        guard let first = tokens.first else { return doc }
        switch doc {
        case .object(let o):
            guard let v = o[first] else { throw Failure(problem: "no member \"\(first)\"") }
            return try get(v, tokens.dropFirst())
        case .array(let a):
            guard let i = Int(first), a.indices.contains(i) else { throw Failure(problem: "no element \(first)") }
            return try get(a[i], tokens.dropFirst())
        default: throw Failure(problem: "\"\(first)\" is inside a scalar")
        }
    }

    static func set(_ doc: JSONValue, _ tokens: ArraySlice<String>, _ value: JSONValue, insert: Bool) throws(Failure) -> JSONValue {
        guard let first = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[first] = value } else {
                guard let child = o[first] else { throw Failure(problem: "no member \"\(first)\"") }
                o[first] = try set(child, rest, value, insert: insert)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if first == "-" && insert { a.append(value); return .array(a) }
                guard let i = Int(first), i >= 0, insert ? i <= a.count : i < a.count else { throw Failure(problem: "no element \(first)") }
                if insert { a.insert(value, at: i) } else { a[i] = value }
                return .array(a)
            }
            guard let i = Int(first), a.indices.contains(i) else { throw Failure(problem: "no element \(first)") }
            a[i] = try set(a[i], rest, value, insert: insert)
            return .array(a)
        default: throw Failure(problem: "\"\(first)\" is inside a scalar")
        }
    }

    static func remove(_ doc: JSONValue, _ tokens: ArraySlice<String>) throws(Failure) -> JSONValue {
        guard let first = tokens.first else { throw Failure(problem: "cannot remove the whole document") }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var o):
            guard let child = o[first] else { throw Failure(problem: "no member \"\(first)\"") }
            o[first] = rest.isEmpty ? nil : try remove(child, rest)
            return .object(o)
        case .array(var a):
            guard let i = Int(first), a.indices.contains(i) else { throw Failure(problem: "no element \(first)") }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = try remove(a[i], rest) }
            return .array(a)
        default: throw Failure(problem: "\"\(first)\" is inside a scalar")
        }
    }
}
