import PVDModel

/// Kind-dispatched store calls, for code that holds a `ResourceKind` rather than a Swift type
/// (the CLI's `get pvc`, a watch of several kinds). Each opens `kind.resourceType` and calls the
/// typed method, so a new kind needs nothing here; cluster-scoped kinds ignore the namespace.
extension ObjectStore {
    /// Reads one object of `kind`.
    public func get(kind: ResourceKind, namespace: String?, name: String) async throws(StoreError) -> AnyResource {
        func typed<R: Resource>(_ t: R.Type) async throws(StoreError) -> AnyResource {
            AnyResource(try await get(t, namespace: kind.isNamespaced ? namespace : nil, name: name))
        }
        return try await typed(kind.resourceType)
    }

    /// Lists objects of `kind` (namespace ignored for cluster-scoped kinds) matching both selectors,
    /// with the revision read at; see `list(_:namespace:selector:fields:)`.
    public func list(
        kind: ResourceKind, namespace: String?, selector: LabelSelector?, fields: FieldSelector? = nil
    ) async throws(StoreError) -> ([AnyResource], Int64) {
        func typed<R: Resource>(_ t: R.Type) async throws(StoreError) -> ([AnyResource], Int64) {
            let l = try await list(t, namespace: kind.isNamespaced ? namespace : nil, selector: selector, fields: fields)
            return (l.items.map { AnyResource($0) }, l.revision)
        }
        return try await typed(kind.resourceType)
    }

    /// Deletes one object of `kind`; see `delete(_:namespace:name:uid:)`.
    public func delete(kind: ResourceKind, namespace: String?, name: String) async throws(StoreError) -> AnyResource? {
        func typed<R: Resource>(_ t: R.Type) async throws(StoreError) -> AnyResource? {
            try await delete(t, namespace: kind.isNamespaced ? namespace : nil, name: name, uid: nil).map { AnyResource($0) }
        }
        return try await typed(kind.resourceType)
    }
}
