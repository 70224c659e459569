import Foundation
import PVDModel
import PVDStore

/// How objects are written to and read from etcd values: the same JSON the SQLite backend
/// stores, without `resourceVersion`, which is the key's mod_revision (as kube-apiserver does;
/// a value cannot name the revision its own write will get).
enum EtcdValues {
    static func encode(_ object: AnyResource) throws(StoreError) -> Data {
        var object = object.withTypeMeta()
        object.metadata.resourceVersion = nil
        return try StoredObjectRules.encode(object)
    }

    /// The object stored at `key`, with its resourceVersion. A value that is not a pvd object of
    /// the key's kind and name fails with `.unavailable` naming the key: the prefix holds
    /// something else's data, which pvd must neither use nor overwrite.
    static func decode<R: Resource>(_ type: R.Type, _ kv: KeyValue, store: String) throws(StoreError) -> R {
        let key = EtcdKeys.text(kv.key)
        var object: R
        do {
            object = try JSONCoding.shared.decode(R.self, from: kv.value ?? Data())
        } catch {
            throw foreign(key, store: store, "\(error)")
        }
        guard object.kindName == R.kind.rawValue, key.hasSuffix("/" + object.metadata.name) else {
            throw foreign(key, store: store, "it holds a \(object.kindName ?? "value without kind") named \(object.metadata.name)")
        }
        object.metadata.resourceVersion = String(kv.modRevision)
        return object
    }

    static func decode(_ kind: ResourceKind, _ kv: KeyValue, revision: Int64? = nil, store: String) throws(StoreError) -> AnyResource {
        let key = EtcdKeys.text(kv.key)
        var object: AnyResource
        do {
            object = try AnyResource.decode(kind: kind, from: kv.value ?? Data())
        } catch {
            throw foreign(key, store: store, "\(error)")
        }
        guard key.hasSuffix("/" + object.metadata.name) else {
            throw foreign(key, store: store, "it holds an object named \(object.metadata.name)")
        }
        object.metadata.resourceVersion = String(revision ?? kv.modRevision)
        return object
    }

    static func foreign(_ key: String, store: String, _ why: String) -> StoreError {
        StoreError(.unavailable, "store \(store): key \(key) does not hold a pvd object (\(why)); is another program using this prefix?")
    }
}
