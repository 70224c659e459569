import PVDModel
import PVDStore

/// The objects an informer holds, by kind and key, kept current from watch events.
struct InformerCache: Sendable {
    var classes: [String: StorageClass] = [:]
    var nodes: [String: Node] = [:]
    var pods: [String: Pod] = [:]
    var volumes: [String: PersistentVolume] = [:]
    var claims: [String: PersistentVolumeClaim] = [:]
    /// Shared with the runs' recorders, by reference (see `SharedEventIndex`).
    var events = SharedEventIndex()
    /// Nodes' leases in `kube-node-lease`, by node name; other namespaces' leases are not kept.
    var nodeLeases: [String: Lease] = [:]
    /// Published storage capacities, by key.
    var capacities: [String: CSIStorageCapacity] = [:]

    /// Folds in one watch event (ADDED and MODIFIED store the object, DELETED removes it).
    mutating func apply(_ e: WatchEvent) {
        let gone = e.type == .deleted
        switch e.object {
        case .storageClass(let x): classes[x.key] = gone ? nil : x
        case .node(let x): nodes[x.key] = gone ? nil : x
        case .pod(let x): pods[x.key] = gone ? nil : x
        case .persistentVolume(let x): volumes[x.key] = gone ? nil : x
        case .persistentVolumeClaim(let x): claims[x.key] = gone ? nil : x
        case .event(let x): events.apply(x, deleted: gone)
        case .lease(let x):
            guard x.metadata.namespace == NodeLease.namespace else { break }
            nodeLeases[x.metadata.name] = gone ? nil : x
        case .csiStorageCapacity(let x): capacities[x.key] = gone ? nil : x
        case .role, .clusterRole, .roleBinding, .clusterRoleBinding: break
        }
    }

    /// The controllers' view: the same values, shared copy-on-write, so taking one is cheap.
    func snapshot(revision: Int64) -> Snapshot {
        var s = Snapshot()
        // In the store's list order (by name), so a pass decides as it would over a fresh read.
        s.classes = classes.values.sorted { $0.metadata.name < $1.metadata.name }
        s.nodes = nodes.values.sorted { $0.metadata.name < $1.metadata.name }
        s.pods = pods.keys.sorted().compactMap { pods[$0] }
        s.volumes = volumes
        s.claims = claims
        s.nodeLeases = nodeLeases
        s.capacities = capacities.keys.sorted().compactMap { capacities[$0] }
        s.revision = revision
        return s
    }

    /// How many objects of each kind are in each phase ("" for kinds without one).
    func phaseCounts() -> [ResourceKind: [String: Int]] {
        var out: [ResourceKind: [String: Int]] = [:]
        out[.storageClass] = ["": classes.count]
        out[.node] = ["": nodes.count]
        out[.event] = ["": events.count]
        var pv: [String: Int] = [:], pvc: [String: Int] = [:], pod: [String: Int] = [:]
        for v in volumes.values { pv[v.phase.rawValue, default: 0] += 1 }
        for c in claims.values { pvc[c.phase.rawValue, default: 0] += 1 }
        for p in pods.values { pod[p.status?.phase ?? "", default: 0] += 1 }
        out[.persistentVolume] = pv
        out[.persistentVolumeClaim] = pvc
        out[.pod] = pod
        return out
    }
}
