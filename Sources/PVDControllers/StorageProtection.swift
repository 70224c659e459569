import PVDModel

/// Kubernetes' storage-object-in-use protection as pure decisions over values: what its
/// pvc-protection and pv-protection controllers do with one object.
///
/// - An object not being deleted gets its finalizer if it lacks one (for objects created before
///   the admission rule, or written without it).
/// - A claim being deleted loses `kubernetes.io/pvc-protection` once no live Pod uses it.
/// - A volume being deleted loses `kubernetes.io/pv-protection` once it is not Bound.
///
/// The store removes an object that is being deleted and has no finalizers left.
public enum StorageProtection {
    /// Whether `pod` keeps a claim named `claimName` in its own namespace from being removed.
    ///
    /// Only a scheduled Pod (one that names a node) counts: an unscheduled one cannot start with
    /// a claim that is being deleted (Kubernetes' scheduler refuses it), so it does not block.
    /// A Pod that has finished (phase Succeeded or Failed) no longer holds its volumes either.
    public static func podUses(_ pod: Pod, claimName: String) -> Bool {
        guard let node = pod.spec.nodeName, !node.isEmpty else { return false }
        if let phase = pod.status?.phase, phase == "Succeeded" || phase == "Failed" { return false }
        return pod.claimNames.contains(claimName)
    }

    /// The live Pods using each claim: claim key ("namespace/name") → Pod keys, sorted.
    public static func users(among pods: [Pod]) -> [String: [String]] {
        var users: [String: [String]] = [:]
        for pod in pods {
            let ns = pod.metadata.namespace ?? "default"
            for name in Set(pod.claimNames) where podUses(pod, claimName: name) {
                users["\(ns)/\(name)", default: []].append(pod.key)
            }
        }
        for key in users.keys { users[key]?.sort() }
        return users
    }

    /// What to write for a claim, or nil when it is as it should be. `users` are the live Pods
    /// using it (see `users(among:)`).
    public static func update(_ claim: PersistentVolumeClaim, users: [String]) -> PersistentVolumeClaim? {
        let f = Finalizers.pvcProtection
        // Read in place (a claim's fields are borrowed, not copied, see `SharedFields`): every
        // claim is checked on every pass, and a copy of its metadata costs more than the check.
        if claim.metadata.deletionTimestamp != nil {
            guard claim.metadata.hasFinalizer(f), users.isEmpty else { return nil }
            var c = claim
            c.metadata.removeFinalizer(f)
            return c
        }
        guard !claim.metadata.hasFinalizer(f) else { return nil }
        var c = claim
        c.metadata.addFinalizer(f)
        return c
    }

    /// What to write for a volume, or nil when it is as it should be.
    public static func update(_ volume: PersistentVolume) -> PersistentVolume? {
        let f = Finalizers.pvProtection
        if volume.metadata.deletionTimestamp != nil {
            guard volume.metadata.hasFinalizer(f), volume.status?.phase != .bound else { return nil }
            var v = volume
            v.metadata.removeFinalizer(f)
            return v
        }
        guard !volume.metadata.hasFinalizer(f) else { return nil }
        var v = volume
        v.metadata.addFinalizer(f)
        return v
    }
}
