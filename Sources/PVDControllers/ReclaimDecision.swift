import PVDModel

/// Event reasons and messages of reclaiming, as Kubernetes' PV controller spells them.
public enum ReclaimReason {
    public static let volumeFailedDelete = "VolumeFailedDelete"
    public static let volumeFailedRecycle = "VolumeFailedRecycle"
    public static let volumeRecycled = "VolumeRecycled"
    public static let volumeUnknownReclaimPolicy = "VolumeUnknownReclaimPolicy"

    public static let recycled = "Volume recycled"
    public static let noRecycler = "No recycler plugin found for the volume!"
    public static let unknownPolicy = "Volume has unrecognized PersistentVolumeReclaimPolicy"

    public static func noDeleter(_ volume: String) -> String {
        "error getting deleter volume plugin for volume \"\(volume)\": no deletable volume plugin matched"
    }

    public static func recycleFailed(_ error: String) -> String { "Recycle failed: \(error)" }

    /// A static hostPath volume without node affinity while several nodes share the store: each
    /// would scrub its own directory of that path, where Kubernetes scrubs once.
    public static func needsNodeAffinity(_ path: String, nodes: [String]) -> String {
        recycleFailed("\(path) may be on any of the nodes \(nodes.joined(separator: ", ")); "
            + "give the volume a nodeAffinity naming the node that holds it, and that node recycles it")
    }
}

/// What the reclaimer does with one volume, decided from the volume and what this node has.
public enum ReclaimDecision: Sendable, Hashable {
    /// Nothing: not released, Retain, being deleted, or another node's to reclaim.
    case none
    /// Delete the backing with this provisioner's driver, then the PV.
    case delete(provisioner: String)
    /// Empty a volume this provisioner's driver made, then make the PV Available.
    case recycleProvisioned(provisioner: String)
    /// Empty a static hostPath volume's directory, then make the PV Available.
    case recycleHostPath(path: String)
    /// Mark the volume Failed with this event reason and message (nothing here can reclaim it).
    case fail(reason: String, message: String)

    /// The provisioner that serves static hostPath volumes.
    public static let hostPathProvisioner = "pvd.io/hostpath"

    /// Kubernetes' reclaimVolume for a volume whose claim is gone: Released volumes, and Failed
    /// ones (a failed delete or recycle is tried again on every sync until it works), with a
    /// claimRef that has a uid (a user's pre-binding is not a release). A volume being deleted
    /// is still deleted (its backing would be orphaned otherwise) but never recycled: it is going.
    /// A volume a user deletes while it is not Bound, whose provisioner finalizer
    /// (`Finalizers.provisionerDeletion`) holds it, is deleted too, as Kubernetes' external
    /// provisioner does.
    ///
    /// `provisioners` are the drivers this node runs; `nodes` the names of the registered
    /// Nodes. This node reclaims a volume whose node affinity names it. A static hostPath volume
    /// without node affinity is recycled only when no other node is registered: its path would
    /// name a directory on every node, and scrubbing it is done once, on the node that holds
    /// it; with other nodes it goes Failed, asking for node affinity.
    public static func decide(_ pv: PersistentVolume, provisioners: Set<String>, nodeName: String, nodes: [String]) -> ReclaimDecision {
        let pinned = pv.spec.nodeAffinity != nil
        let here = !pinned || NodeAgent(nodeName: nodeName).owns(pv)
        let released = (pv.phase == .released || pv.phase == .failed) && !(pv.spec.claimRef?.uid ?? "").isEmpty
        let abandoned = pv.metadata.deletionTimestamp != nil && pv.phase != .bound
            && pv.spec.persistentVolumeReclaimPolicy == .delete && pv.metadata.hasFinalizer(Finalizers.provisionerDeletion)
        guard released || abandoned else { return .none }
        let provisioner = pv.metadata.annotation(Annotations.provisionedBy)
        switch pv.spec.persistentVolumeReclaimPolicy ?? .retain {
        case .retain:
            return .none
        case .delete:
            guard let provisioner else {
                return .fail(reason: ReclaimReason.volumeFailedDelete, message: ReclaimReason.noDeleter(pv.metadata.name))
            }
            return provisioners.contains(provisioner) && here ? .delete(provisioner: provisioner) : .none
        case .recycle:
            if pv.metadata.deletionTimestamp != nil { return .none }
            if let provisioner {
                return provisioners.contains(provisioner) && here ? .recycleProvisioned(provisioner: provisioner) : .none
            }
            guard let path = pv.spec.hostPath?.path else {
                return .fail(reason: ReclaimReason.volumeFailedRecycle, message: ReclaimReason.noRecycler)
            }
            guard provisioners.contains(hostPathProvisioner) else { return .none }
            if pinned { return here ? .recycleHostPath(path: path) : .none }
            let everyNode = Set(nodes + [nodeName]).sorted()
            guard everyNode.count == 1 else {
                return .fail(reason: ReclaimReason.volumeFailedRecycle, message: ReclaimReason.needsNodeAffinity(path, nodes: everyNode))
            }
            return .recycleHostPath(path: path)
        default:
            return .fail(reason: ReclaimReason.volumeUnknownReclaimPolicy, message: ReclaimReason.unknownPolicy)
        }
    }

    /// The provisioner finalizer's upkeep on a volume pvd provisioned (`provisioners`: pvd's
    /// drivers), as Kubernetes' external provisioner keeps it: added to a live volume under
    /// Delete that lacks it (one made before pvd set it), removed from one whose policy is no
    /// longer Delete, since nothing would ever delete its backing. Nil when nothing changes.
    public static func finalizerUpdate(_ pv: PersistentVolume, provisioners: Set<String>) -> PersistentVolume? {
        let f = Finalizers.provisionerDeletion
        let delete = pv.spec.persistentVolumeReclaimPolicy == .delete
        // Metadata read once: every volume is checked on every pass.
        let meta = pv.metadata
        var v = pv
        if meta.hasFinalizer(f) {
            guard !delete else { return nil }
            v.metadata.removeFinalizer(f)
        } else {
            guard delete, meta.deletionTimestamp == nil,
                  let provisioner = meta.annotation(Annotations.provisionedBy), provisioners.contains(provisioner) else { return nil }
            v.metadata.addFinalizer(f)
        }
        return v
    }
}
