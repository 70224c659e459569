import Foundation
import PVDModel

/// The rules of the SQLite backend that another backend must apply the same way, exposed so
/// that `EtcdStore` (in its own module) decides them byte for byte as this one does.
public enum StoredObjectRules {
    /// Whether two encodings of an object differ outside `metadata` and `status`: what moves
    /// `metadata.generation` on update. Undecidable input counts as a change.
    public static func specChanged(from old: Data, to new: Data) -> Bool {
        JSONMembers.specChanged(old, new)
    }

    /// The object's JSON as every backend stores it.
    public static func encode(_ object: AnyResource) throws(StoreError) -> Data {
        do {
            switch object {
            case .storageClass(let x): return try JSONCoding.shared.encode(x)
            case .persistentVolume(let x): return try JSONCoding.shared.encode(x)
            case .persistentVolumeClaim(let x): return try JSONCoding.shared.encode(x)
            case .pod(let x): return try JSONCoding.shared.encode(x)
            case .node(let x): return try JSONCoding.shared.encode(x)
            case .event(let x): return try JSONCoding.shared.encode(x)
            case .lease(let x): return try JSONCoding.shared.encode(x)
            case .csiStorageCapacity(let x): return try JSONCoding.shared.encode(x)
            case .role(let x): return try JSONCoding.shared.encode(x)
            case .clusterRole(let x): return try JSONCoding.shared.encode(x)
            case .roleBinding(let x): return try JSONCoding.shared.encode(x)
            case .clusterRoleBinding(let x): return try JSONCoding.shared.encode(x)
            }
        } catch {
            throw StoreError(.invalid, "\(object.displayName): cannot be encoded: \(error)")
        }
    }

    /// The namespace an object is stored under: "" for cluster-scoped kinds (SQLite's primary
    /// key needs a value, not NULL, to stay unique), the given namespace or "default".
    public static func storedNamespace(_ kind: ResourceKind, _ namespace: String?) -> String {
        guard kind.isNamespaced else { return "" }
        if let namespace, !namespace.isEmpty { return namespace }
        return "default"
    }

    /// "pvc default/data", "pv pv-1": how errors name an object that may not exist.
    public static func displayName(_ kind: ResourceKind, _ namespace: String, _ name: String) -> String {
        namespace.isEmpty ? "\(kind.shortName) \(name)" : "\(kind.shortName) \(namespace)/\(name)"
    }

    /// An object as a restore (`RestorableStore.restore`) writes it: apiVersion and kind set,
    /// the namespace settled, and what the source store had kept (uid, creation time,
    /// generation), the missing ones made as a create would; with the namespace it is stored under.
    public static func restored(_ object: AnyResource, now: Time) throws(StoreError) -> (object: AnyResource, namespace: String) {
        var object = object.withTypeMeta()
        var meta = object.metadata
        guard !meta.name.isEmpty else { throw StoreError(.invalid, "\(object.kind.shortName): name required") }
        let ns = storedNamespace(object.kind, meta.namespace)
        meta.namespace = ns.isEmpty ? nil : ns
        if (meta.uid ?? "").isEmpty { meta.uid = ObjectUID.make() }
        if meta.creationTimestamp == nil { meta.creationTimestamp = now }
        if meta.generation == nil { meta.generation = 1 }
        object.metadata = meta
        return (object, ns)
    }

    /// An object as a create stores it: apiVersion and kind set, the namespace settled, and
    /// everything the store owns assigned whatever the caller sent (a new uid, generation 1,
    /// `now` as creation time, no deletion time, `resourceVersion` as the backend stores it
    /// before the transaction's revision is known); with the namespace it is stored under.
    public static func created(
        _ object: AnyResource, now: Time, resourceVersion: String?
    ) throws(StoreError) -> (object: AnyResource, namespace: String) {
        var object = object.withTypeMeta()
        var meta = object.metadata
        guard !meta.name.isEmpty else { throw StoreError(.invalid, "\(object.kind.shortName): name required") }
        let ns = storedNamespace(object.kind, meta.namespace)
        meta.namespace = ns.isEmpty ? nil : ns
        meta.uid = ObjectUID.make()
        meta.resourceVersion = resourceVersion
        meta.generation = 1
        meta.creationTimestamp = now
        meta.deletionTimestamp = nil
        object.metadata = meta
        return (object, ns)
    }
}
