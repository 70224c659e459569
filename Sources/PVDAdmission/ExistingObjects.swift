import PVDModel
import PVDStore

/// What the store holds for the objects of one apply, read with one list per kind where the
/// apply has many objects of that kind, and one get per object where it has few: a get each for
/// 300,000 objects costs more than decoding them all from one list, and a list of every stored
/// claim for one claim costs more than its get.
struct ExistingObjects {
    /// From this many objects of a kind on, the kind is listed.
    static let listFrom = 64

    private var listed: [ResourceKind: [String: AnyResource]] = [:]

    init(for objects: [ManifestObject], store: any ObjectStore) async throws(StoreError) {
        var counts: [ResourceKind: Int] = [:]
        for m in objects { counts[m.object.kind, default: 0] += 1 }
        for (kind, n) in counts where n >= Self.listFrom {
            let (items, _) = try await store.list(kind: kind, namespace: nil, selector: nil)
            var byKey: [String: AnyResource] = [:]
            byKey.reserveCapacity(items.count)
            for item in items { byKey[item.key] = item }
            listed[kind] = byKey
        }
    }

    /// The stored object of `obj`'s kind and name, or nil when there is none.
    func find(_ obj: AnyResource, store: any ObjectStore) async throws(StoreError) -> AnyResource? {
        if let byKey = listed[obj.kind] { return byKey[obj.key] }
        do {
            return try await store.get(kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name)
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }
}
