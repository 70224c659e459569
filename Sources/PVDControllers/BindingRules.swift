import PVDModel

/// Kubernetes' small binding predicates (component-helpers `storage/volume`), shared by the
/// index and the binder.
public enum BindingRules {
    /// The deprecated class annotation, which Kubernetes still reads before `storageClassName`.
    public static let betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

    /// The provisioner name that means "no dynamic provisioning" (local volumes).
    public static let noProvisioner = "kubernetes.io/no-provisioner"

    /// The class a claim asks for: the beta annotation, else `storageClassName`, else ""
    /// (GetPersistentVolumeClaimClass).
    public static func className(of claim: PersistentVolumeClaim) -> String {
        requestedClass(claim.metadata, claim.spec) ?? ""
    }

    /// The class a claim's metadata and spec name ("" included), nil when they name none
    /// (PersistentVolumeClaimHasClass is this being non-nil), for a caller already holding both
    /// parts.
    public static func requestedClass(_ meta: ObjectMeta, _ spec: PersistentVolumeClaimSpec) -> String? {
        meta.annotation(betaStorageClassAnnotation) ?? spec.storageClassName
    }

    /// The class of a volume: the beta annotation, else `storageClassName`, else "".
    public static func className(of volume: PersistentVolume) -> String {
        className(volume.metadata, volume.spec)
    }

    /// `className(of:)` from a volume's metadata and spec.
    public static func className(_ meta: ObjectMeta, _ spec: PersistentVolumeSpec) -> String {
        meta.annotation(betaStorageClassAnnotation) ?? spec.storageClassName ?? ""
    }

    /// "namespace/name" of a claim, the key claims are looked up by.
    public static func key(of claim: PersistentVolumeClaim) -> String { "\(claim.namespace)/\(claim.metadata.name)" }

    /// "namespace/name" a claimRef points at. A claimRef without a namespace means "default",
    /// as pvd fills a missing namespace everywhere else.
    public static func claimKey(of ref: ObjectReference) -> String { "\(ref.namespace ?? "default")/\(ref.name ?? "")" }

    /// Whether a volume is pre-bound or bound to this claim: same namespace and name, and the
    /// same uid when the claimRef carries one (IsVolumeBoundToClaim).
    public static func isVolume(_ volume: PersistentVolume, boundTo claim: PersistentVolumeClaim) -> Bool {
        guard let ref = volume.spec.claimRef else { return false }
        guard ref.name == claim.metadata.name, (ref.namespace ?? "default") == claim.namespace else { return false }
        if let uid = ref.uid, !uid.isEmpty, uid != (claim.metadata.uid ?? "") { return false }
        return true
    }

    /// The volume's storage capacity; a missing one counts as zero, like Go's zero Quantity.
    public static func capacity(of volume: PersistentVolume) -> Quantity { volume.capacity ?? Quantity(0) }

    /// The claim's storage request; a missing one counts as zero.
    public static func request(of claim: PersistentVolumeClaim) -> Quantity { request(of: claim.spec) }
    /// `request(of:)` from a claim's spec.
    public static func request(of spec: PersistentVolumeClaimSpec) -> Quantity { spec.request ?? Quantity(0) }

    /// Whether the volume's required node affinity admits a node with these labels
    /// (CheckNodeAffinity). Kubernetes builds a Node from the labels alone, so a `matchFields`
    /// term on `metadata.name` never matches here; pvd keeps that.
    public static func nodeAffinity(of volume: PersistentVolume, admits labels: [String: String]?) -> Bool {
        guard let required = volume.spec.nodeAffinity?.required else { return true }
        return required.matches(nodeName: "", labels: labels)
    }

    /// Whether every requested access mode is among the volume's (CheckAccessModes).
    public static func accessModes(of volume: PersistentVolume, satisfy claim: PersistentVolumeClaim) -> Bool {
        let offered = Set(volume.spec.accessModes ?? [])
        return (claim.spec.accessModes ?? []).allSatisfy { offered.contains($0) }
    }

    /// The default class among these: of several marked default, the newest by creation time
    /// wins and equal times go to the smaller name (Kubernetes ≥ 1.26).
    public static func defaultClass(among classes: some Sequence<StorageClass>) -> StorageClass? {
        var best: StorageClass?
        for c in classes where c.isDefault {
            guard let b = best else { best = c; continue }
            let ct = c.metadata.creationTimestamp?.seconds ?? Int64.min
            let bt = b.metadata.creationTimestamp?.seconds ?? Int64.min
            if ct > bt || (ct == bt && c.metadata.name < b.metadata.name) { best = c }
        }
        return best
    }
}
