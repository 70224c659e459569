import PVDModel

/// `metadata.managedFields` as the API keeps it: which part of an object managers own, and how
/// a write that is not an apply (create, update, patch) moves ownership: the writer takes every
/// field it added or changed from whoever held it, and a field it removed leaves every owner.
enum ManagedFields {
    /// The operation of an entry written by an apply.
    static let apply = "Apply"
    /// The operation of an entry written by any other write.
    static let update = "Update"

    /// One entry with its set read.
    struct Owner: Sendable, Equatable {
        var entry: ManagedFieldsEntry
        var fields: FieldSet

        func same(manager: String, operation: String, subresource: String?) -> Bool {
            entry.manager == manager && entry.operation == operation && (entry.subresource ?? "") == (subresource ?? "")
        }

        /// How Kubernetes names an owner in a conflict: `"kubectl-patch" using v1 at <time>`.
        var described: String {
            var s = "\"\(entry.manager ?? "")\""
            if let sub = entry.subresource, !sub.isEmpty { s += " with subresource \"\(sub)\"" }
            if entry.operation == ManagedFields.update {
                s += " using \(entry.apiVersion ?? "")"
                if let t = entry.time { s += " at \(t.rfc3339)" }
            }
            return s
        }
    }

    /// The stored entries with their sets; an entry whose trie cannot be read owns nothing, as
    /// Kubernetes resets managed fields it cannot decode.
    static func owners(_ entries: [ManagedFieldsEntry]?) -> [Owner] {
        (entries ?? []).map { e in Owner(entry: e, fields: e.fieldsV1.flatMap { try? FieldSet(fieldsV1: $0) } ?? .empty) }
    }

    /// The entries to store: empty sets dropped, each trie written back.
    static func entries(_ owners: [Owner]) -> [ManagedFieldsEntry]? {
        let kept = owners.filter { !$0.fields.isEmpty }.map { o -> ManagedFieldsEntry in
            var e = o.entry
            e.fieldsType = "FieldsV1"
            e.fieldsV1 = o.fields.fieldsV1
            return e
        }
        return kept.isEmpty ? nil : kept
    }

    /// The entries without their times, to tell whether anything but a time would change.
    static func timeless(_ entries: [ManagedFieldsEntry]?) -> [ManagedFieldsEntry] {
        (entries ?? []).map { e in
            var e = e
            e.time = nil
            return e
        }
    }

    /// The part of an object its managers own: without apiVersion, kind and what the server
    /// sets in metadata (name, namespace, uid, resourceVersion, generation, timestamps,
    /// managedFields); the main resource without `status`, the status subresource only `status`.
    static func ownedPart(_ object: JSONValue, subresource: String?) -> JSONValue {
        guard case .object(var o) = object else { return .object([:]) }
        if subresource == "status" { return .object(o["status"].map { ["status": $0] } ?? [:]) }
        for key in ["apiVersion", "kind", "status"] { o[key] = nil }
        if case .object(var meta)? = o["metadata"] {
            for key in ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "managedFields", "selfLink"] {
                meta[key] = nil
            }
            o["metadata"] = meta.isEmpty ? nil : .object(meta)
        }
        return .object(o)
    }

    /// Who writes when the request does not say (`fieldManager`): the User-Agent up to its
    /// first `/`, as Kubernetes takes it (`kubectl/v1.32.0 (linux/amd64) …` is `kubectl`).
    static func manager(fieldManager: String?, userAgent: String) -> String {
        if let m = fieldManager, !m.isEmpty { return m }
        let prefix = userAgent.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return prefix.isEmpty ? "unknown" : prefix
    }

    /// The entries after `manager` wrote `new` over `old` (nil for a create) by an update.
    /// Unchanged fields change no entry; when nothing changed the entries are `managed` as they
    /// were, so a no-op write stays one.
    static func afterUpdate(
        old: JSONValue?, new: JSONValue, managed: [ManagedFieldsEntry]?, manager: String, apiVersion: String, subresource: String?, now: Time
    ) -> [ManagedFieldsEntry]? {
        let newOwned = ownedPart(new, subresource: subresource)
        let oldOwned = old.map { ownedPart($0, subresource: subresource) }
        // An object whose lists break their keys cannot be tracked; its entries stay as they are.
        guard let newSet = try? FieldSet.of(newOwned), let oldSet = try? oldOwned.map(FieldSet.of) ?? .empty else { return managed }
        var changed = newSet.subtracting(oldSet)
        for path in newSet.intersection(oldSet).paths where path.last?.hasPrefix("f:") == true {
            if FieldSet.value(in: newOwned, at: path) != oldOwned.flatMap({ FieldSet.value(in: $0, at: path) }) {
                changed = changed.union(FieldSet.single(path))
            }
        }
        let removed = oldSet.subtracting(newSet)
        if changed.isEmpty && removed.isEmpty { return managed }
        var owners = owners(managed)
        var mine: Int?
        for i in owners.indices {
            if owners[i].same(manager: manager, operation: update, subresource: subresource) {
                mine = i
                owners[i].fields = owners[i].fields.subtracting(removed).union(changed)
            } else {
                owners[i].fields = owners[i].fields.subtracting(removed).subtracting(changed)
            }
        }
        var entry = ManagedFieldsEntry()
        entry.manager = manager
        entry.operation = update
        entry.apiVersion = apiVersion
        entry.time = now
        entry.subresource = subresource
        if let mine {
            owners[mine].entry = entry
        } else {
            owners.append(Owner(entry: entry, fields: changed))
        }
        return entries(owners)
    }

    /// The entries a write starts from: those the request set itself, when they differ from
    /// the stored ones (kubectl rewrites them when it moves an object from client-side to
    /// server-side apply; one empty entry clears them all); else the stored ones.
    static func base(requested: [ManagedFieldsEntry]?, stored: [ManagedFieldsEntry]?) -> [ManagedFieldsEntry]? {
        guard let requested, !requested.isEmpty, requested != stored else { return stored }
        if requested == [ManagedFieldsEntry()] { return nil }
        return requested
    }
}

extension FieldSet {
    /// The set of one path.
    static func single(_ path: Path) -> FieldSet {
        var node = FieldSet.leaf
        for key in path.reversed() { node = FieldSet(children: [key: node]) }
        return node
    }
}
