import PVDModel

/// Listing with a field selector, for every backend: neither SQLite nor etcd can select by a
/// field inside the JSON they store without reading it, so the list is read as without one
/// and filtered after decoding, the way etcd's label selectors already are.
extension ObjectStore {
    /// Lists objects as `list(_:namespace:selector:)` does, keeping those that match `fields`
    /// too. A selector that pins `metadata.namespace` (and no `namespace` given) reads that
    /// namespace only. Fails with `.invalid`, naming the kind and the field, when `fields`
    /// names a field the kind cannot be selected by.
    public func list<R: Resource>(
        _ type: R.Type, namespace: String?, selector: LabelSelector?, fields: FieldSelector?
    ) async throws(StoreError) -> ObjectList<R> {
        guard let fields, !fields.isEmpty else { return try await list(type, namespace: namespace, selector: selector) }
        do {
            try fields.check(for: R.kind)
        } catch {
            throw StoreError(.invalid, error.description)
        }
        let scope = namespace ?? (R.kind.isNamespaced ? fields.requiredValue(of: "metadata.namespace") : nil)
        var listed = try await list(type, namespace: scope, selector: selector)
        listed.items.removeAll { !fields.matches($0) }
        return listed
    }
}
