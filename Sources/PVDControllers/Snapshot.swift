import PVDModel
import PVDStore

/// The objects the reconciler decides over, read once from the store and then kept current
/// from the results of its own commits, so a later pass does not list and decode everything
/// again. If anyone else wrote meanwhile (the revision moved further than our own writes
/// account for), the snapshot is read afresh.
struct Snapshot {
    var classes: [StorageClass] = []
    var nodes: [Node] = []
    var volumes: [String: PersistentVolume] = [:]
    var claims: [String: PersistentVolumeClaim] = [:]
    var pods: [Pod] = []
    /// Nodes' leases in `kube-node-lease`, by node name: when each node's daemon last renewed.
    var nodeLeases: [String: Lease] = [:]
    /// The storage capacities nodes publish (`StorageCapacityReport`).
    var capacities: [CSIStorageCapacity] = []
    /// The store revision the snapshot reflects.
    var revision: Int64 = 0

    /// Reads every kind the controllers use, retrying while a write slipped in between the
    /// lists, so the snapshot is consistent. A store that never falls silent long enough (other
    /// daemons' heartbeats, a bulk apply) must not hold the read off for ever: after a few tries
    /// the lists are taken as they are, at the revision read before them, which the snapshot
    /// reflects at least. Every write decided from it is compare-and-swap, so a decision on an
    /// object that had moved on loses its race and is made again.
    static func read(from store: any ObjectStore, attempts: Int = 3) async throws -> Snapshot {
        var attempt = 0
        while true {
            attempt += 1
            let before = try await store.currentRevision()
            var s = Snapshot()
            s.classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
            s.nodes = try await store.list(Node.self, namespace: nil, selector: nil).items
            s.pods = try await store.list(Pod.self, namespace: nil, selector: nil).items
            for l in try await store.list(Lease.self, namespace: NodeLease.namespace, selector: nil).items { s.nodeLeases[l.metadata.name] = l }
            s.capacities = try await store.list(CSIStorageCapacity.self, namespace: nil, selector: nil).items
            let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
            let claims = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            s.volumes.reserveCapacity(volumes.count)
            for v in volumes { s.volumes[v.metadata.name] = v }
            s.claims.reserveCapacity(claims.count)
            for c in claims { s.claims[c.key] = c }
            s.revision = try await store.currentRevision()
            if s.revision == before { return s }
            if attempt >= attempts {
                s.revision = before
                return s
            }
        }
    }

    /// Folds in what a commit returned: the objects as written (nil for an object now gone).
    mutating func apply(_ writes: some Sequence<StoreWrite>, results: [AnyResource?]) {
        for (w, r) in zip(writes, results) {
            switch (w, r) {
            // An update that released the last finalizer of an object being deleted returns it as
            // last seen, but the store has removed it.
            case (_, .persistentVolume(let v)?): volumes[v.metadata.name] = Self.removed(v.metadata) ? nil : v
            case (_, .persistentVolumeClaim(let c)?): claims[c.key] = Self.removed(c.metadata) ? nil : c
            case (.update(.persistentVolume(let v)), nil): volumes[v.metadata.name] = nil
            case (.update(.persistentVolumeClaim(let c)), nil): claims[c.key] = nil
            case (.delete(kind: .persistentVolume, _, let name, _), _): volumes[name] = nil
            default: break
            }
        }
    }

    /// Whether the store removed an object a write returned: being deleted, no finalizers left.
    static func removed(_ meta: ObjectMeta) -> Bool {
        meta.deletionTimestamp != nil && (meta.finalizers ?? []).isEmpty
    }
}
