import PVDModel

/// What room a node publishes for the classes it serves, as CSIStorageCapacity objects (one per
/// node and class, in `kube-system`, `nodeTopology` its hostname), the way a CSI driver's
/// external-provisioner publishes its GetCapacity answers for the scheduler. Pure: the caller
/// measures the room.
public enum StorageCapacityReport {
    /// Where the objects live.
    public static let namespace = "kube-system"
    /// The label that marks an object as pvd's.
    public static let managedBy = ("app.kubernetes.io/managed-by", "pvd")

    /// The object's name for one node and class: "csisc-" and a hash of both, as the
    /// external-provisioner names its own; node and class names may be 253 characters each.
    public static func name(node: String, storageClass: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in node.utf8 + [0] + storageClass.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return "csisc-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The object that says `node` has `bytes` free for `storageClass` (rounded down to whole
    /// MiB, so small writes elsewhere on the disk do not change it).
    public static func object(node: String, storageClass: String, bytes: Int64) -> CSIStorageCapacity {
        let mib = max(0, bytes) / (1 << 20)
        var c = CSIStorageCapacity(
            name: name(node: node, storageClass: storageClass), namespace: namespace, storageClassName: storageClass,
            nodeTopology: LabelSelector(matchLabels: [WellKnownLabels.hostname: node]),
            capacity: Quantity(mib << 20))
        c.metadata.labels = [managedBy.0: managedBy.1]
        return c
    }

    /// Whether `existing` is one of pvd's objects for `node`.
    public static func isOwn(_ c: CSIStorageCapacity, node: String) -> Bool {
        c.metadata.labels?[managedBy.0] == managedBy.1 && c.isFor(node: node)
    }

    /// Whether the stored object must be rewritten to say what `wanted` says: another class or
    /// topology, or a capacity that moved by 1% or more of what it said (or to or from zero).
    /// Smaller moves are left alone, so a busy disk does not rewrite the object every heartbeat.
    public static func needsWrite(_ existing: CSIStorageCapacity, _ wanted: CSIStorageCapacity) -> Bool {
        guard existing.storageClassName == wanted.storageClassName, existing.nodeTopology == wanted.nodeTopology,
              existing.maximumVolumeSize == wanted.maximumVolumeSize, existing.metadata.labels == wanted.metadata.labels
        else { return true }
        let old = existing.capacity?.nanoValue ?? 0, new = wanted.capacity?.nanoValue ?? 0
        if (old == 0) != (new == 0) { return true }
        let moved = old > new ? old - new : new - old
        return moved > 0 && moved * 100 >= old
    }

    /// Whether a published capacity says `node` has room for `request` for `storageClass`:
    /// true or false from an object of that class whose topology selects the node's labels;
    /// nil when none does (the node published nothing).
    public static func room(
        for request: Quantity, storageClass: String, node: String, labels: [String: String], in capacities: [CSIStorageCapacity]
    ) -> Bool? {
        var labels = labels
        labels[WellKnownLabels.hostname] = labels[WellKnownLabels.hostname] ?? node
        let matching = capacities.filter { c in
            c.storageClassName == storageClass && c.metadata.deletionTimestamp == nil
                && (c.nodeTopology.map { $0.matches(labels) } ?? false)
        }
        if matching.isEmpty { return nil }
        return matching.contains { $0.fits(request) }
    }
}
