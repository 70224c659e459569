import PVDModel
import PVDStore

/// What the store holds for the objects of one apply, read with one list per kind where the
/// apply has many objects of that kind, and one get per object where it has few: a get each for
/// 300,000 objects costs more than decoding them all from one list, and a list of every stored
/// claim for one claim costs more than its get.
struct ExistingObjects {
    /// From this many objects of a kind in one namespace on, that namespace's objects of the
    /// kind are listed.
    static let listFrom = 64

    /// What one list reads: a kind, in one namespace for a client of the API (a user allowed
    /// one namespace may list that one, not every one's), across all of them for a store (one
    /// list, however many namespaces the apply spreads over).
    private struct Scope: Hashable {
        var kind: ResourceKind
        var namespace: String?
    }

    private var listed: [Scope: [String: AnyResource]] = [:]
    private let perNamespace: Bool

    init(for objects: [ManifestObject], store: any ObjectStore) async throws(StoreError) {
        perNamespace = store.admitsWrites
        var counts: [Scope: Int] = [:]
        for m in objects { counts[scope(of: m.object), default: 0] += 1 }
        for (scope, n) in counts where n >= Self.listFrom {
            let (items, _) = try await store.list(kind: scope.kind, namespace: scope.namespace, selector: nil)
            var byKey: [String: AnyResource] = [:]
            byKey.reserveCapacity(items.count)
            for item in items { byKey[item.key] = item }
            listed[scope] = byKey
        }
    }

    private func scope(of object: AnyResource) -> Scope {
        let kind = object.kind
        return Scope(kind: kind, namespace: perNamespace && kind.isNamespaced ? object.metadata.namespace ?? "default" : nil)
    }

    /// The stored object of `obj`'s kind and name, or nil when there is none.
    func find(_ obj: AnyResource, store: any ObjectStore) async throws(StoreError) -> AnyResource? {
        if let byKey = listed[scope(of: obj)] { return byKey[obj.key] }
        do {
            return try await store.get(kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name)
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }
}
