/// The defaults Kubernetes' API server fills in when an object is created, so a stored object
/// looks as `kubectl get -o yaml` would show it.
public enum Defaulting {
    /// Applies creation defaults and the initial status; `status` from a manifest is ignored.
    /// Volumes and claims get their protection finalizer, as Kubernetes' StorageObjectInUseProtection
    /// admission plugin adds it on create.
    public static func forCreate(_ object: AnyResource) -> AnyResource {
        switch object {
        case .storageClass(var sc):
            sc.reclaimPolicy = sc.reclaimPolicy ?? .delete
            sc.volumeBindingMode = sc.volumeBindingMode ?? .immediate
            sc.metadata.namespace = nil
            return .storageClass(sc)
        case .persistentVolume(var pv):
            pv.spec = specDefaults(pv.spec)
            pv.status = PersistentVolumeStatus(phase: .pending)
            pv.metadata.namespace = nil
            // The StorageObjectInUseProtection admission rule: a volume is not removed while bound.
            pv.metadata.addFinalizer(Finalizers.pvProtection)
            return .persistentVolume(pv)
        case .persistentVolumeClaim(var pvc):
            pvc.spec.volumeMode = pvc.spec.volumeMode ?? .filesystem
            pvc.status = PersistentVolumeClaimStatus(phase: .pending)
            // The same rule for claims: not removed while a Pod uses it.
            pvc.metadata.addFinalizer(Finalizers.pvcProtection)
            return .persistentVolumeClaim(pvc)
        case .pod(var pod):
            pod.status = PodStatus(phase: "Pending")
            return .pod(pod)
        case .node(var node):
            node.metadata.namespace = nil
            node.status = nil
            return .node(node)
        case .clusterRole(var r):
            r.metadata.namespace = nil
            return .clusterRole(r)
        case .clusterRoleBinding(var b):
            b.metadata.namespace = nil
            return .clusterRoleBinding(b)
        case .event, .lease, .csiStorageCapacity, .role, .roleBinding:
            return object
        }
    }

    /// A PV spec with reclaim policy (Retain) and volume mode (Filesystem) defaulted.
    public static func specDefaults(_ spec: PersistentVolumeSpec) -> PersistentVolumeSpec {
        var s = spec
        s.persistentVolumeReclaimPolicy = s.persistentVolumeReclaimPolicy ?? .retain
        s.volumeMode = s.volumeMode ?? .filesystem
        return s
    }

    /// The default StorageClass among `classes`: of those marked default, the newest, ties broken
    /// by name (Kubernetes ≥ 1.26 picks the newest when several are marked).
    public static func defaultClass(among classes: [StorageClass]) -> StorageClass? {
        classes.filter(\.isDefault).max { a, b in
            let ta = a.metadata.creationTimestamp?.seconds ?? 0, tb = b.metadata.creationTimestamp?.seconds ?? 0
            return ta != tb ? ta < tb : a.metadata.name > b.metadata.name
        }
    }
}
