import PVDModel

/// Where a paged list resumes: after this object in list order (namespace, then name; a
/// cluster-scoped kind's namespace is "").
public struct ListCursor: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// Whether the cursor comes before an object at (namespace, name) in list order (bytewise,
    /// as the stores order their keys): that object is on a later page.
    public func comesBefore(namespace ns: String, name n: String) -> Bool {
        ns != namespace ? namespace.utf8.lexicographicallyPrecedes(ns.utf8) : name.utf8.lexicographicallyPrecedes(n.utf8)
    }
}

/// One stretch of a kind's objects in list order, and whether any follow.
public struct ListRange<R: Resource>: Sendable {
    public var items: [R]
    public var revision: Int64
    public var more: Bool
    public init(items: [R], revision: Int64, more: Bool) {
        self.items = items
        self.revision = revision
        self.more = more
    }
}

/// One page of a paged list (the API's `limit` and `continue`): the matching objects, the
/// revision the page was read at, and where the next page starts (nil: this was the last).
public struct ListPage: Sendable {
    public var items: [AnyResource]
    public var revision: Int64
    public var next: ListCursor?
}

extension ObjectStore {
    /// The default stretch: the whole list, cut. A backend that can read a key range overrides it.
    public func listRange<R: Resource>(_ type: R.Type, namespace: String?, after: ListCursor?, limit: Int) async throws(StoreError) -> ListRange<R> {
        let all = try await list(type, namespace: namespace, selector: nil)
        let rest = after.map { cursor in
            all.items.drop { !cursor.comesBefore(namespace: StoredObjectRules.storedNamespace(R.kind, $0.metadata.namespace), name: $0.metadata.name) }
        } ?? all.items[...]
        return ListRange(items: Array(rest.prefix(limit)), revision: all.revision, more: rest.count > limit)
    }

    /// Up to `limit` objects of `kind` after `after` that match both selectors, reading the
    /// store a stretch at a time (selectors are applied after decoding, as in `list`), so a
    /// page of a long list reads little more than the page.
    public func listPage(
        kind: ResourceKind, namespace: String?, selector: LabelSelector?, fields: FieldSelector?, after: ListCursor?, limit: Int
    ) async throws(StoreError) -> ListPage {
        if let fields, !fields.isEmpty {
            do { try fields.check(for: kind) } catch { throw StoreError(.invalid, error.description) }
        }
        func page<R: Resource>(_ type: R.Type) async throws(StoreError) -> ListPage {
            let scope = kind.isNamespaced ? namespace : nil
            // Read in stretches of at least a few hundred (selectors may drop most rows), at most 10,000.
            let stretch = min(max(limit, 500), 10_000)
            var items: [AnyResource] = []
            var cursor = after
            var revision: Int64?
            while true {
                let range = try await listRange(type, namespace: scope, after: cursor, limit: stretch)
                if revision == nil { revision = range.revision }
                for (i, o) in range.items.enumerated() {
                    let key = ListCursor(namespace: StoredObjectRules.storedNamespace(kind, o.metadata.namespace), name: o.metadata.name)
                    cursor = key
                    guard selector?.matches(o.metadata.labels) ?? true, fields.map({ $0.isEmpty || $0.matches(o) }) ?? true else { continue }
                    items.append(AnyResource(o))
                    if items.count == limit {
                        let more = i < range.items.count - 1 || range.more
                        return ListPage(items: items, revision: revision ?? range.revision, next: more ? key : nil)
                    }
                }
                if !range.more { return ListPage(items: items, revision: revision ?? range.revision, next: nil) }
            }
        }
        return try await page(kind.resourceType)
    }
}
