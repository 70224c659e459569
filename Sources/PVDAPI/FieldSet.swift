import PVDModel

/// A set of an object's fields, as server-side apply records who owns what. A trie whose edges
/// are Kubernetes' FieldsV1 keys (`f:<name>` a member, `k:<json>` the element of a keyed list,
/// `v:<json>` a value of a set list) and whose nodes say whether the path leading to them is in
/// the set itself (FieldsV1's `.` member, or a leaf written `{}`).
struct FieldSet: Sendable, Hashable {
    var isMember = false
    var children: [String: FieldSet] = [:]

    /// A path: the FieldsV1 keys from the object's root.
    typealias Path = [String]

    static let empty = FieldSet()
    static let leaf = FieldSet(isMember: true)

    var isEmpty: Bool { !isMember && children.isEmpty }

    init(isMember: Bool = false, children: [String: FieldSet] = [:]) {
        self.isMember = isMember
        self.children = children
    }

    // MARK: FieldsV1

    /// A stored `fieldsV1` trie; anything else is a `Failure` naming the key at fault.
    init(fieldsV1 value: JSONValue) throws(Failure) {
        try self.init(fieldsV1: value, at: [])
    }

    private init(fieldsV1 value: JSONValue, at path: Path) throws(Failure) {
        guard case .object(let members) = value else { throw Failure(path: path, problem: "want a JSON object") }
        // `{}` under a key is a leaf: the path itself is the member.
        if members.isEmpty && !path.isEmpty { isMember = true }
        for (key, child) in members {
            if key == "." {
                isMember = true
                continue
            }
            guard key.hasPrefix("f:") || key.hasPrefix("k:") || key.hasPrefix("v:") || key.hasPrefix("i:") else {
                throw Failure(path: path, problem: "unknown key \"\(key)\" (want f:, k:, v:, i: or .)")
            }
            let node = try FieldSet(fieldsV1: child, at: path + [key])
            if !node.isEmpty { children[key] = node }
        }
    }

    /// The set as a `fieldsV1` trie.
    var fieldsV1: JSONValue {
        var members: [String: JSONValue] = [:]
        for (key, child) in children { members[key] = child.fieldsV1 }
        if isMember && !members.isEmpty { members["."] = .object([:]) }
        return .object(members)
    }

    // MARK: Set algebra

    func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.isMember = isMember || other.isMember
        for (key, child) in other.children {
            out.children[key] = out.children[key].map { $0.union(child) } ?? child
        }
        return out
    }

    func subtracting(_ other: FieldSet) -> FieldSet {
        var out = FieldSet(isMember: isMember && !other.isMember)
        for (key, child) in children {
            let rest = other.children[key].map { child.subtracting($0) } ?? child
            if !rest.isEmpty { out.children[key] = rest }
        }
        return out
    }

    func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet(isMember: isMember && other.isMember)
        for (key, child) in children {
            guard let theirs = other.children[key] else { continue }
            let both = child.intersection(theirs)
            if !both.isEmpty { out.children[key] = both }
        }
        return out
    }

    /// Every path in the set, in a stable order (shorter paths before the paths under them).
    var paths: [Path] {
        var out: [Path] = []
        collect(into: &out, prefix: [])
        return out
    }

    private func collect(into out: inout [Path], prefix: Path) {
        if isMember && !prefix.isEmpty { out.append(prefix) }
        for key in children.keys.sorted() { children[key]!.collect(into: &out, prefix: prefix + [key]) }
    }

    func node(at path: Path) -> FieldSet? {
        var node = self
        for key in path {
            guard let next = node.children[key] else { return nil }
            node = next
        }
        return node
    }

    func contains(_ path: Path) -> Bool { node(at: path)?.isMember ?? false }

    /// Whether the path, or any path under it, is in the set.
    func hasMember(atOrBelow path: Path) -> Bool { node(at: path).map { !$0.isEmpty } ?? false }

    /// The set without one path (paths under it stay).
    func removing(_ path: Path) -> FieldSet {
        guard let first = path.first else { return FieldSet(isMember: false, children: children) }
        guard let child = children[first] else { return self }
        var out = self
        let rest = child.removing(Array(path.dropFirst()))
        out.children[first] = rest.isEmpty ? nil : rest
        return out
    }

    /// A path as Kubernetes prints it in conflicts: `.spec.resources.requests.storage`,
    /// `.spec.containers[name="app"].image`, `.metadata.finalizers[="x"]`.
    static func describe(_ path: Path) -> String {
        var out = ""
        for key in path {
            let body = String(key.dropFirst(2))
            switch key.prefix(2) {
            case "f:": out += "." + body
            case "k:":
                if let keys = keyFields(body) {
                    let parts = keys.keys.sorted().map { "\($0)=\(json(keys[$0]!))" }
                    out += "[" + parts.joined(separator: ",") + "]"
                } else {
                    out += "[" + body + "]"
                }
            case "v:": out += "[=" + body + "]"
            default: out += "[" + body + "]"
            }
        }
        return out
    }

    /// A FieldsV1 trie or a value that cannot be one: where, and why.
    struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        var path: Path
        var problem: String
        var description: String { path.isEmpty ? problem : "\(FieldSet.describe(path)): \(problem)" }
    }
}
