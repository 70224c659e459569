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
    /// The claims and volumes a pass must look at, when not all of them (see `SnapshotFocus`).
    var focus: SnapshotFocus?

    /// The claims in focus, by key: every claim, or those the focus names that still exist.
    var claimsInFocus: [String: PersistentVolumeClaim] {
        guard let focus else { return claims }
        var out: [String: PersistentVolumeClaim] = [:]
        for key in focus.claims { if let c = claims[key] { out[key] = c } }
        return out
    }

    /// The volumes in focus, by name (as `claimsInFocus`).
    var volumesInFocus: [String: PersistentVolume] {
        guard let focus else { return volumes }
        var out: [String: PersistentVolume] = [:]
        for name in focus.volumes { if let v = volumes[name] { out[name] = v } }
        return out
    }

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
            // What a pass wrote, the next pass looks at again: that is how a run settles.
            if focus != nil {
                switch w {
                case .create(let o), .update(let o): focus?.add(r ?? o)
                case .delete(_, _, let name, _, _): focus?.volumes.insert(name)
                }
            }
            switch (w, r) {
            // An update that released the last finalizer of an object being deleted returns it as
            // last seen, but the store has removed it.
            case (_, .persistentVolume(let v)?): volumes[v.metadata.name] = Self.removed(v.metadata) ? nil : v
            case (_, .persistentVolumeClaim(let c)?): claims[c.key] = Self.removed(c.metadata) ? nil : c
            case (.update(.persistentVolume(let v)), nil): volumes[v.metadata.name] = nil
            case (.update(.persistentVolumeClaim(let c)), nil): claims[c.key] = nil
            case (.delete(kind: .persistentVolume, _, let name, _, _), _): volumes[name] = nil
            default: break
            }
        }
    }

    /// Whether the store removed an object a write returned: being deleted, no finalizers left.
    static func removed(_ meta: ObjectMeta) -> Bool {
        meta.deletionTimestamp != nil && (meta.finalizers ?? []).isEmpty
    }
}

/// The claims and volumes that changed since a controller loop last settled, and so the only
/// ones whose claim-by-claim decisions (protection, the provisioning work) can differ from
/// what the last run found, which was nothing left to do.
///
/// A run is focused only when every key that started it is a claim or a volume: a change of
/// any other kind (a Pod, a class, a node), a resync, a retry or a fresh read of the store
/// leaves the snapshot unfocused, and every object is looked at. A volume brings its claim
/// into focus; the writes of each pass add theirs.
struct SnapshotFocus: Sendable, Equatable {
    var claims: Set<String> = []
    var volumes: Set<String> = []

    /// The focus for a run started by `keys` (queue keys, see `Informer.key`), or nil when the
    /// run must look at everything.
    init?(keys: some Sequence<String>, volumes known: [String: PersistentVolume]) {
        let claimPrefix = ResourceKind.persistentVolumeClaim.rawValue + "/"
        let volumePrefix = ResourceKind.persistentVolume.rawValue + "/"
        for key in keys {
            if key.hasPrefix(claimPrefix) {
                claims.insert(String(key.dropFirst(claimPrefix.count)))
            } else if key.hasPrefix(volumePrefix) {
                // A volume that is gone no longer says which claim it was bound to.
                guard let v = known[String(key.dropFirst(volumePrefix.count))] else { return nil }
                add(v)
            } else {
                return nil
            }
        }
    }

    mutating func add(_ object: AnyResource) {
        switch object {
        case .persistentVolume(let v): add(v)
        case .persistentVolumeClaim(let c): claims.insert(c.key)
        default: break
        }
    }

    mutating func add(_ volume: PersistentVolume) {
        volumes.insert(volume.metadata.name)
        if let ref = volume.spec.claimRef { claims.insert(BindingRules.claimKey(of: ref)) }
    }
}
