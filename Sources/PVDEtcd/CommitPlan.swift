import Foundation
import PVDModel
import PVDStore

/// A commit's writes, ready to be decided against the keys they touch as read from etcd:
/// the SQLite backend's write rules (`SQLiteStore+Writes`), applied in order to an overlay of
/// what was read, so that later writes of a batch see earlier ones.
struct CommitPlan {
    enum Operation {
        case create(AnyResource)
        case update(AnyResource)
        case delete(uid: String?, resourceVersion: String?)
    }

    struct Write {
        /// Index into `keys`.
        var slot: Int
        var operation: Operation
        var kind: ResourceKind
        var namespace: String
        var name: String
        var display: String { StoredObjectRules.displayName(kind, namespace, name) }
    }

    /// Every key touched, once each, in first-touched order.
    let keys: [Data]
    let kinds: [ResourceKind]
    let writes: [Write]
    let now: Time
    let store: String

    init(_ writes: [StoreWrite], keys layout: EtcdKeys, now: Time, store: String = "") throws(StoreError) {
        var keys: [Data] = []
        var kinds: [ResourceKind] = []
        var slots: [Data: Int] = [:]
        var planned: [Write] = []
        planned.reserveCapacity(writes.count)
        func slot(_ key: Data, _ kind: ResourceKind) -> Int {
            if let s = slots[key] { return s }
            keys.append(key)
            kinds.append(kind)
            slots[key] = keys.count - 1
            return keys.count - 1
        }
        for w in writes {
            switch w {
            case .create(let o):
                // An etcd value carries no resourceVersion: it is the key's mod_revision.
                let (object, ns) = try StoredObjectRules.created(o, now: now, resourceVersion: nil)
                let name = object.metadata.name
                let s = slot(layout.object(object.kind, namespace: ns, name: name), object.kind)
                planned.append(Write(slot: s, operation: .create(object), kind: object.kind, namespace: ns, name: name))
            case .update(let o):
                var object = o.withTypeMeta()
                let ns = StoredObjectRules.storedNamespace(object.kind, object.metadata.namespace)
                object.metadata.namespace = ns.isEmpty ? nil : ns
                let name = object.metadata.name
                let s = slot(layout.object(object.kind, namespace: ns, name: name), object.kind)
                planned.append(Write(slot: s, operation: .update(object), kind: object.kind, namespace: ns, name: name))
            case .delete(let kind, let namespace, let name, let uid, let resourceVersion):
                let ns = StoredObjectRules.storedNamespace(kind, namespace)
                let s = slot(layout.object(kind, namespace: ns, name: name), kind)
                planned.append(Write(slot: s, operation: .delete(uid: uid, resourceVersion: resourceVersion), kind: kind, namespace: ns, name: name))
            }
        }
        self.keys = keys
        self.kinds = kinds
        self.writes = planned
        self.now = now
        self.store = store
    }

    /// For each key, whether every write of the batch to it is a create: such a key need not be
    /// read first (see `EtcdStore.commit`).
    var createdOnly: [Bool] {
        var only = [Bool](repeating: true, count: keys.count)
        for w in writes {
            if case .create = w.operation { continue }
            only[w.slot] = false
        }
        return only
    }

    /// A key's object as the batch has it so far.
    enum View {
        case absent
        /// `revision` nil: written earlier in this batch. `raw`: its stored encoding.
        case present(AnyResource, raw: Data, revision: Int64?)
    }

    /// Applies the writes to `read` (one entry per key, nil where absent). Throws the error the
    /// first failing write gets, as the SQLite backend would.
    func decide(_ read: [KeyValue?]) throws(StoreError) -> Outcome {
        var views: [View] = []
        views.reserveCapacity(keys.count)
        for (i, kv) in read.enumerated() {
            guard let kv else { views.append(.absent); continue }
            let object = try EtcdValues.decode(kinds[i], kv, store: store)
            views.append(.present(object, raw: kv.value ?? Data(), revision: kv.modRevision))
        }
        var dirty = [Bool](repeating: false, count: keys.count)
        var results: [AnyResource?] = []
        var stamped: [Int] = []
        results.reserveCapacity(writes.count)
        for w in writes {
            switch w.operation {
            case .create(let object):
                if case .present = views[w.slot] { throw StoreError(.alreadyExists, "\(w.display): already exists") }
                views[w.slot] = .present(object, raw: try EtcdValues.encode(object), revision: nil)
                dirty[w.slot] = true
                stamped.append(results.count)
                results.append(object)
            case .update(let sent):
                let (object, removed) = try update(sent, w, views[w.slot])
                views[w.slot] = removed ? .absent : .present(object, raw: try EtcdValues.encode(object), revision: nil)
                dirty[w.slot] = true
                stamped.append(results.count)
                results.append(object)
            case .delete(let uid, let resourceVersion):
                guard case .present(var object, _, let revision) = views[w.slot] else {
                    throw StoreError(.notFound, "\(w.display): not found")
                }
                if let uid, uid != object.metadata.uid {
                    throw StoreError(.conflict, "\(w.display): conflict: uid precondition \(uid) does not match stored uid \(object.metadata.uid ?? "")")
                }
                // The transaction compares the key's mod_revision with the one read, so this
                // holds at the commit too.
                if let resourceVersion, resourceVersion != object.metadata.resourceVersion {
                    throw StoreError(
                        .conflict,
                        "\(w.display): conflict: resourceVersion precondition \(resourceVersion) does not match stored resourceVersion \(object.metadata.resourceVersion ?? "")")
                }
                if !(object.metadata.finalizers ?? []).isEmpty {
                    // Deleting something already being deleted changes nothing, as in Kubernetes.
                    if object.metadata.deletionTimestamp != nil {
                        if revision == nil { stamped.append(results.count) }
                        results.append(object)
                        continue
                    }
                    object.metadata.deletionTimestamp = now
                    views[w.slot] = .present(object, raw: try EtcdValues.encode(object), revision: nil)
                    dirty[w.slot] = true
                    stamped.append(results.count)
                    results.append(object)
                } else {
                    views[w.slot] = .absent
                    dirty[w.slot] = true
                    results.append(nil)
                }
            }
        }
        var compares: [Compare] = []
        var ops: [RequestOp] = []
        var expected: [Expected] = []
        for (i, kv) in read.enumerated() {
            // Every key read is compared, written or not: what the batch decided rests on it.
            compares.append(kv.map { .modified(keys[i], at: $0.modRevision) } ?? .absent(keys[i]))
            guard dirty[i] else { continue }
            switch views[i] {
            case .present(_, let raw, _):
                ops.append(.put(keys[i], raw))
                expected.append(.value(i, raw))
            case .absent:
                // Created and removed within the batch: nothing to write, but the compare stays.
                if kv != nil {
                    ops.append(.delete(keys[i]))
                    expected.append(.gone(i))
                }
            }
        }
        return Outcome(
            compares: compares, ops: ops, results: results, stamped: stamped, expected: expected,
            readRevisions: read.map { $0?.modRevision })
    }

    private func update(_ sent: AnyResource, _ w: Write, _ view: View) throws(StoreError) -> (AnyResource, removed: Bool) {
        var object = sent
        var meta = object.metadata
        guard let given = meta.resourceVersion, !given.isEmpty else {
            throw StoreError(.invalid, "\(w.display): resourceVersion required for update")
        }
        guard case .present(let stored, let raw, let revision) = view else { throw StoreError(.notFound, "\(w.display): not found") }
        guard let revision, given == String(revision) else {
            let current = revision.map(String.init) ?? "the one written earlier in this commit"
            throw StoreError(.conflict, "\(w.display): conflict: resourceVersion \(given) is stale, current is \(current)")
        }
        let storedMeta = stored.metadata
        if let uid = meta.uid, !uid.isEmpty, uid != storedMeta.uid {
            throw StoreError(.conflict, "\(w.display): conflict: uid \(uid) does not match stored uid \(storedMeta.uid ?? "")")
        }
        let specChanged = StoredObjectRules.specChanged(from: raw, to: try EtcdValues.encode(sent))
        meta.uid = storedMeta.uid
        meta.creationTimestamp = storedMeta.creationTimestamp
        // Once set, deletionTimestamp stays: an update can neither clear nor move it.
        meta.deletionTimestamp = storedMeta.deletionTimestamp
        let generation = storedMeta.generation ?? 1
        meta.generation = specChanged ? generation + 1 : generation
        meta.resourceVersion = nil
        object.metadata = meta
        return (object, meta.deletionTimestamp != nil && (meta.finalizers ?? []).isEmpty)
    }

    /// What a key holds once the batch has landed.
    enum Expected {
        case value(Int, Data)
        case gone(Int)
    }

    /// A decided batch: the txn to send and the results to return once it lands.
    struct Outcome {
        var compares: [Compare]
        var ops: [RequestOp]
        var results: [AnyResource?]
        /// The results whose resourceVersion is the txn's revision.
        var stamped: [Int]
        var expected: [Expected]
        var readRevisions: [Int64?]

        func results(at revision: Int64) -> [AnyResource?] {
            var out = results
            for i in stamped { out[i]?.metadata.resourceVersion = String(revision) }
            return out
        }

        /// The revision the txn landed at, if `kvs` (read at `readAt` after a broken connection)
        /// show every write of it; nil if they do not.
        func landed(in kvs: [KeyValue?], readAt: Int64) -> Int64? {
            var revision: Int64?
            for e in expected {
                switch e {
                case .value(let i, let raw):
                    guard let kv = kvs[i], kv.value == raw, kv.modRevision > (readRevisions[i] ?? 0) else { return nil }
                    if let r = revision, r != kv.modRevision { return nil }
                    revision = kv.modRevision
                case .gone(let i):
                    if kvs[i] != nil { return nil }
                }
            }
            // Only deletions: the keys cannot say when; a read after the txn is later than it,
            // which is all a resourceVersion promises.
            return revision ?? readAt
        }

        /// Whether `kvs` are still what the batch was decided from: then it did not land.
        func unchanged(_ kvs: [KeyValue?]) -> Bool {
            zip(kvs, readRevisions).allSatisfy { $0?.modRevision == $1 }
        }
    }
}
