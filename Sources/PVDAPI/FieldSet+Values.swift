import PVDModel

/// Fields as they appear in objects: the set a value sets, and reading or removing the value
/// at one path. Lists and structs are read by `MergeRules`, as Kubernetes' schemas mark them.
extension FieldSet {
    /// The fields an object (a JSON object, its root) sets: every member down to the leaves,
    /// each element of a keyed list (by its key) and each value of a set list. An element of a
    /// keyed list without its key, or two with the same key, is a `Failure`.
    static func of(_ object: JSONValue) throws(Failure) -> FieldSet {
        guard case .object(let members) = object else { throw Failure(path: [], problem: "want a JSON object") }
        return try fields(members, at: [])
    }

    private static func fields(_ members: [String: JSONValue], at path: Path) throws(Failure) -> FieldSet {
        var out = FieldSet()
        for (name, value) in members {
            let key = "f:" + name
            out.children[key] = try member(value, field: name, at: path + [key])
        }
        return out
    }

    /// The set under the member `field` holding `value`.
    private static func member(_ value: JSONValue, field: String, at path: Path) throws(Failure) -> FieldSet {
        if MergeRules.atomicStructs.contains(field) { return .leaf }
        switch value {
        case .object(let m) where !m.isEmpty:
            return try fields(m, at: path)
        case .array(let items) where !items.isEmpty:
            if let mergeKey = MergeRules.mergeKeys[field] {
                var out = FieldSet()
                for item in items {
                    guard case .object(let element) = item, let id = element[mergeKey] else {
                        throw Failure(path: path, problem: "an element without its key \"\(mergeKey)\"")
                    }
                    let key = elementKey(mergeKey, id)
                    if out.children[key] != nil { throw Failure(path: path, problem: "duplicate entries for key [\(mergeKey)=\(json(id))]") }
                    var node = try fields(element, at: path + [key])
                    node.isMember = true
                    out.children[key] = node
                }
                return out
            }
            if MergeRules.setLists.contains(field) {
                var out = FieldSet()
                for item in items { out.children["v:" + json(item)] = .leaf }
                return out
            }
            return .leaf
        default:
            return .leaf
        }
    }

    static func elementKey(_ name: String, _ value: JSONValue) -> String {
        "k:" + json(.object([name: value]))
    }

    static func json(_ value: JSONValue) -> String { String(decoding: RESTObjects.bytes(value), as: UTF8.self) }

    // MARK: Values at paths

    /// The value at `path` in `root`, or nil where the object has none.
    static func value(in root: JSONValue, at path: Path) -> JSONValue? {
        var current = root
        for key in path {
            guard let next = step(current, key) else { return nil }
            current = next
        }
        return current
    }

    private static func step(_ value: JSONValue, _ key: String) -> JSONValue? {
        let body = String(key.dropFirst(2))
        switch (key.prefix(2), value) {
        case ("f:", .object(let m)): return m[body]
        case ("k:", .array(let items)):
            guard let keys = keyFields(body) else { return nil }
            return items.first { matches($0, keys) }
        case ("v:", .array(let items)):
            guard let wanted = parsed(body) else { return nil }
            return items.contains(wanted) ? wanted : nil
        case ("i:", .array(let items)):
            guard let i = Int(body), items.indices.contains(i) else { return nil }
            return items[i]
        default: return nil
        }
    }

    /// `root` without the value at `path`; a map emptied by the removal goes too, as
    /// Kubernetes' omitempty members do.
    static func removing(_ path: Path, from root: JSONValue) -> JSONValue {
        guard let key = path.first else { return root }
        let rest = Array(path.dropFirst())
        let body = String(key.dropFirst(2))
        switch (key.prefix(2), root) {
        case ("f:", .object(var m)):
            guard let child = m[body] else { return root }
            if rest.isEmpty {
                m[body] = nil
            } else {
                let pruned = removing(rest, from: child)
                if case .object(let o) = pruned, o.isEmpty, case .object(let before) = child, !before.isEmpty { m[body] = nil } else { m[body] = pruned }
            }
            return .object(m)
        case ("k:", .array(var items)):
            guard let keys = keyFields(body), let i = items.firstIndex(where: { matches($0, keys) }) else { return root }
            if rest.isEmpty { items.remove(at: i) } else { items[i] = removing(rest, from: items[i]) }
            return .array(items)
        case ("v:", .array(let items)):
            guard let wanted = parsed(body) else { return root }
            return .array(items.filter { $0 != wanted })
        default:
            return root
        }
    }

    /// The JSON after a `k:` or `v:` prefix.
    static func parsed(_ body: String) -> JSONValue? { try? JSONCoding.shared.decode(JSONValue.self, from: Array(body.utf8)) }

    /// The key members a `k:` body names.
    static func keyFields(_ body: String) -> [String: JSONValue]? {
        guard case .object(let keys)? = parsed(body) else { return nil }
        return keys
    }

    private static func matches(_ element: JSONValue, _ keys: [String: JSONValue]) -> Bool {
        guard case .object(let e) = element else { return false }
        return keys.allSatisfy { e[$0.key] == $0.value }
    }
}
