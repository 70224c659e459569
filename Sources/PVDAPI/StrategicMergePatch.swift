import PVDModel

/// Kubernetes' strategic merge patch, as far as kubectl sends it for pvd's kinds (client-side
/// `apply`, `patch` without `--type`): maps merge as in a JSON merge patch; lists whose
/// elements Kubernetes merges by a key (containers, volumes and env by `name`, volumeMounts by
/// `mountPath`, ports by `containerPort`, conditions by `type`, ownerReferences by `uid`) merge
/// element by element; `finalizers` merges as a set; every other list is replaced. Directives:
/// `$patch: replace|delete` (maps and keyed list elements), `$deleteFromPrimitiveList/<f>`;
/// `$setElementOrder/<f>` and `$retainKeys` are read and dropped (pvd keeps stored order).
public enum StrategicMergePatch {
    /// A patch pvd cannot apply: the directive or field, and why.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
    }

    public static func apply(_ patch: JSONValue, to target: JSONValue, kind: ResourceKind) throws(Failure) -> JSONValue {
        try merge(patch, into: target)
    }

    static func merge(_ patch: JSONValue, into target: JSONValue) throws(Failure) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        if let directive = p["$patch"]?.stringValue {
            switch directive {
            case "replace":
                var rest = p
                rest["$patch"] = nil
                return .object(rest)
            case "delete": return .null
            default: throw Failure(problem: "unknown $patch directive \"\(directive)\"")
            }
        }
        var out: [String: JSONValue]
        if case .object(let t) = target { out = t } else { out = [:] }
        for (key, value) in p {
            if key.hasPrefix("$setElementOrder/") || key == "$retainKeys" { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                guard case .array(let remove) = value else { throw Failure(problem: "\(key) wants a list") }
                if case .array(let current)? = out[field] { out[field] = .array(current.filter { !remove.contains($0) }) }
                continue
            }
            if key.hasPrefix("$") { throw Failure(problem: "unknown directive \"\(key)\"") }
            switch value {
            case .null:
                out[key] = nil
            case .object:
                let merged = try merge(value, into: out[key] ?? .null)
                if case .null = merged { out[key] = nil } else { out[key] = merged }
            case .array(let items):
                out[key] = try mergeList(field: key, patch: items, target: out[key])
            default:
                out[key] = value
            }
        }
        return .object(out)
    }

    static func mergeList(field: String, patch: [JSONValue], target: JSONValue?) throws(Failure) -> JSONValue {
        guard case .array(var current)? = target else { return .array(try stripAll(patch)) }
        if MergeRules.setLists.contains(field) {
            for v in patch where !current.contains(v) { current.append(v) }
            return .array(current)
        }
        guard let key = MergeRules.mergeKeys[field] else { return .array(try stripAll(patch)) }
        for element in patch {
            guard case .object(let e) = element, let id = e[key] else {
                throw Failure(problem: "an element of \(field) without its merge key \"\(key)\"")
            }
            let index = current.firstIndex { $0[key] == id }
            if e["$patch"]?.stringValue == "delete" {
                if let index { current.remove(at: index) }
                continue
            }
            if let index {
                current[index] = try merge(element, into: current[index])
            } else {
                current.append(try strip(element))
            }
        }
        return .array(current)
    }

    static func stripAll(_ values: [JSONValue]) throws(Failure) -> [JSONValue] {
        var out: [JSONValue] = []
        out.reserveCapacity(values.count)
        for v in values { out.append(try strip(v)) }
        return out
    }

    /// A new value with its directives removed (as merged over nothing).
    static func strip(_ value: JSONValue) throws(Failure) -> JSONValue {
        guard case .object = value else { return value }
        return try merge(value, into: .object([:]))
    }
}
