import PVDModel

/// Server-side apply over plain values (`PATCH` with `application/apply-patch+yaml`): the
/// applied configuration is merged into the live object, and the manager comes to own exactly
/// the fields it names. A field it named last time and leaves out now is removed, unless
/// another manager owns it too. Setting a field another manager owns to another value is a
/// conflict, unless forced, when the field changes hands.
enum ServerSideApply {
    /// A field another manager owns with another value.
    struct Conflict: Sendable, Equatable {
        var owner: ManagedFields.Owner
        var path: FieldSet.Path
    }

    enum Failure: Error, Sendable, Equatable {
        case conflicts([Conflict])
        /// The configuration is no object pvd can apply: why.
        case invalid(String)
    }

    /// What to write: the object and its managed fields.
    struct Outcome: Sendable, Equatable {
        var object: JSONValue
        var managedFields: [ManagedFieldsEntry]?
    }

    /// The configuration `manager` applies, over `live` (nil: the object is created).
    static func apply(
        _ config: JSONValue, to live: JSONValue?, managed: [ManagedFieldsEntry]?, manager: String, force: Bool, apiVersion: String, now: Time
    ) throws(Failure) -> Outcome {
        guard case .object(var whole) = config else { throw .invalid("the applied configuration must be a JSON object") }
        if let m = config["metadata"]?["managedFields"], m != .null { throw .invalid("metadata.managedFields must be nil") }
        let owned = ManagedFields.ownedPart(config, subresource: nil)
        let applied: FieldSet
        do { applied = try FieldSet.of(owned) } catch { throw .invalid("\(error)") }
        var entry = ManagedFieldsEntry()
        entry.manager = manager
        entry.operation = ManagedFields.apply
        entry.apiVersion = apiVersion
        entry.time = now
        guard let live else {
            // A new object: the configuration as given (no status: the server sets it).
            whole["status"] = nil
            return Outcome(object: .object(whole), managedFields: ManagedFields.entries([.init(entry: entry, fields: applied)]))
        }
        let stored = ManagedFields.owners(managed)
        var owners = stored
        let mine = owners.firstIndex { $0.same(manager: manager, operation: ManagedFields.apply, subresource: nil) }

        var conflicts: [Conflict] = []
        for i in owners.indices where i != mine {
            for path in applied.intersection(owners[i].fields).paths where path.last?.hasPrefix("f:") == true {
                if FieldSet.value(in: owned, at: path) != FieldSet.value(in: live, at: path) {
                    conflicts.append(Conflict(owner: owners[i], path: path))
                }
            }
        }
        if !conflicts.isEmpty {
            guard force else { throw .conflicts(conflicts) }
            for c in conflicts {
                if let i = owners.firstIndex(of: c.owner) { owners[i].fields = owners[i].fields.removing(c.path) }
            }
        }

        var merged = merge(owned, into: live, field: nil)
        let previous = mine.map { owners[$0].fields } ?? .empty
        var others = FieldSet.empty
        for i in owners.indices where i != mine { others = others.union(owners[i].fields) }
        // Deepest first, so an element's members go before the element itself is judged.
        for path in previous.subtracting(applied).paths.reversed() where !others.hasMember(atOrBelow: path) {
            merged = FieldSet.removing(path, from: merged)
        }

        if let mine { owners[mine] = .init(entry: entry, fields: applied) } else { owners.append(.init(entry: entry, fields: applied)) }
        let entries = ManagedFields.entries(owners)
        // Only the entries' times would move: a no-op, which writes nothing (Kubernetes too).
        if merged == live && ManagedFields.timeless(entries) == ManagedFields.timeless(ManagedFields.entries(stored)) {
            return Outcome(object: live, managedFields: managed)
        }
        return Outcome(object: merged, managedFields: entries)
    }

    /// `applied` merged into `live` as the kind's lists and structs merge (`MergeRules`): maps
    /// member by member, keyed lists element by element, set lists as sets, the rest replaced.
    /// A null member removes the field.
    static func merge(_ applied: JSONValue, into live: JSONValue, field: String?) -> JSONValue {
        if let field, MergeRules.atomicStructs.contains(field) { return applied }
        switch (applied, live) {
        case (.object(let a), .object(var out)):
            for (key, value) in a {
                if value == .null {
                    out[key] = nil
                } else if let existing = out[key] {
                    out[key] = merge(value, into: existing, field: key)
                } else {
                    out[key] = value
                }
            }
            return .object(out)
        case (.array(let a), .array(var out)):
            if let field, let key = MergeRules.mergeKeys[field] {
                for element in a {
                    if let id = element[key], let i = out.firstIndex(where: { $0[key] == id }) {
                        out[i] = merge(element, into: out[i], field: nil)
                    } else {
                        out.append(element)
                    }
                }
                return .array(out)
            }
            if let field, MergeRules.setLists.contains(field) {
                for v in a where !out.contains(v) { out.append(v) }
                return .array(out)
            }
            return applied
        default:
            return applied
        }
    }

    /// Kubernetes' 409 for conflicts: `Apply failed with 1 conflict: conflict with "kubectl-label"
    /// using v1: .metadata.labels.tier`, each conflict a `FieldManagerConflict` cause.
    static func status(_ conflicts: [Conflict], kind: ResourceKind, name: String) -> APIStatus {
        // details name the object as every Status of the kind does (resource, group, name).
        let causes = conflicts.map { APIStatus.Cause(reason: "FieldManagerConflict", message: "conflict with \($0.owner.described)", field: FieldSet.describe($0.path)) }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(conflicts[0].owner.described): \(FieldSet.describe(conflicts[0].path))"
        } else {
            var byOwner: [String: [String]] = [:]
            for c in conflicts { byOwner[c.owner.described, default: []].append("- " + FieldSet.describe(c.path)) }
            let lines = byOwner.keys.sorted().flatMap { ["conflicts with \($0):"] + byOwner[$0]! }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return APIStatus(code: 409, reason: "Conflict", message: message, name: name, group: kind.descriptor.group, kind: kind.plural, causes: causes)
    }
}
