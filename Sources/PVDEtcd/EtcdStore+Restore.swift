import Foundation
import PVDModel
import PVDStore

extension EtcdStore {
    /// Writes objects as another store holds them (uid, timestamps, generation, finalizers,
    /// status kept), in one txn: all or none. See `RestorableStore`.
    public func restore(_ objects: [AnyResource], replacing: Bool) async throws(StoreError) {
        if objects.isEmpty { return }
        try refuseIfTermEnded()
        guard objects.count <= url.maxTxnOps else {
            throw StoreError(.invalid, "store \(url.text): a restore of \(objects.count) objects is more than the \(url.maxTxnOps) one etcd transaction takes (--max-txn-ops)")
        }
        try await verify(claiming: true)
        let now = Time.now()
        var objectKeys: [Data] = []
        var names: [String] = []
        var values: [Data] = []
        var seen = Set<Data>()
        for o in objects {
            let (object, ns) = try StoredObjectRules.restored(o, now: now)
            let meta = object.metadata
            let key = keys.object(object.kind, namespace: ns, name: meta.name)
            guard seen.insert(key).inserted else { throw StoreError(.invalid, "\(object.displayName): appears twice in one restore") }
            objectKeys.append(key)
            names.append(StoredObjectRules.displayName(object.kind, ns, meta.name))
            values.append(try EtcdValues.encode(object))
        }
        let txn = TxnRequest(
            compare: replacing ? [] : objectKeys.map { .absent($0) },
            success: zip(objectKeys, values).map { .put($0, $1) },
            failure: objectKeys.map { .get($0) })
        let answer: TxnResponse
        do {
            answer = try await sendWrite(txn)
        } catch {
            throw error.storeError
        }
        if answer.succeeded == true { return }
        let taken = (answer.responses ?? []).firstIndex { $0.response_range?.kvs?.isEmpty == false }
        throw StoreError(.alreadyExists, "\(taken.map { names[$0] } ?? "an object of this batch"): already exists")
    }
}
