/// What `pvd apply` writes over an existing object: the manifest's spec, labels and annotations,
/// with the store's system metadata and status kept, controller-written fields (claimRef,
/// volumeName, a defaulted storageClassName) kept when the manifest leaves them out, and
/// Kubernetes' immutability rules enforced.
public enum ApplyMerge {
    /// The object to store, or a field error when the manifest changes something immutable.
    public static func merge(existing: AnyResource, incoming: AnyResource) -> Result<AnyResource, ValidationError> {
        var meta = existing.metadata
        let im = incoming.metadata
        meta.labels = im.labels
        if let add = im.annotations {
            var a = meta.annotations ?? [:]
            for (k, v) in add { a[k] = v }
            meta.annotations = a
        }
        if let f = im.finalizers { meta.finalizers = f.isEmpty ? nil : f }

        switch (existing, incoming) {
        case (.storageClass(let e), .storageClass(var i)):
            i.reclaimPolicy = i.reclaimPolicy ?? .delete
            i.volumeBindingMode = i.volumeBindingMode ?? .immediate
            if i.provisioner != e.provisioner { return .failure(forbidden("provisioner", "updates to provisioner are forbidden.")) }
            if (i.parameters ?? [:]) != (e.parameters ?? [:]) { return .failure(forbidden("parameters", "updates to parameters are forbidden.")) }
            if i.reclaimPolicy != e.reclaimPolicy { return .failure(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.")) }
            if i.volumeBindingMode != e.volumeBindingMode { return .failure(invalid("volumeBindingMode", "field is immutable")) }
            i.metadata = meta
            return .success(.storageClass(i))
        case (.persistentVolume(let e), .persistentVolume(var i)):
            i.spec = Defaulting.specDefaults(i.spec)
            if let ref = i.spec.claimRef, let old = e.spec.claimRef,
               (ref.namespace ?? "default") == (old.namespace ?? "default"), ref.name == old.name {
                // The same claim, as a manifest names it (no uid): keep what the binder recorded.
                i.spec.claimRef = ObjectReference(
                    apiVersion: ref.apiVersion ?? old.apiVersion, kind: ref.kind ?? old.kind, namespace: ref.namespace ?? old.namespace,
                    name: ref.name, uid: ref.uid ?? old.uid, resourceVersion: ref.resourceVersion ?? old.resourceVersion)
            }
            i.spec.claimRef = i.spec.claimRef ?? e.spec.claimRef
            if i.spec.hostPath != e.spec.hostPath || i.spec.local != e.spec.local {
                return .failure(forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
            }
            if i.spec.volumeMode != e.spec.volumeMode { return .failure(invalid("spec.volumeMode", "field is immutable")) }
            if e.spec.nodeAffinity != nil && i.spec.nodeAffinity != e.spec.nodeAffinity {
                return .failure(invalid("spec.nodeAffinity", "field is immutable"))
            }
            i.metadata = meta
            i.status = e.status
            return .success(.persistentVolume(i))
        case (.persistentVolumeClaim(let e), .persistentVolumeClaim(var i)):
            i.spec.volumeMode = i.spec.volumeMode ?? .filesystem
            i.spec.volumeName = i.spec.volumeName ?? e.spec.volumeName
            i.spec.storageClassName = i.spec.storageClassName ?? e.spec.storageClassName
            var a = i.spec, b = e.spec
            a.resources = nil
            b.resources = nil
            if a != b {
                return .failure(forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
            }
            if i.spec.resources != e.spec.resources && e.phase != .bound {
                return .failure(forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
            }
            if let error = VolumeExpansionRules.validateRequestUpdate(old: e, new: i) { return .failure(error) }
            i.metadata = meta
            i.status = e.status
            return .success(.persistentVolumeClaim(i))
        case (.pod(let e), .pod(var i)):
            // A node set by scheduling (pvd binds an unscheduled Pod to a single node) is kept by
            // a manifest that never named one, as kubectl's merge keeps it.
            if i.spec.nodeName == nil { i.spec.nodeName = e.spec.nodeName }
            if e.spec.nodeName != nil && i.spec.nodeName != e.spec.nodeName {
                return .failure(forbidden("spec.nodeName", "pod updates may not change fields other than spec.containers[*].image, spec.activeDeadlineSeconds, spec.tolerations or spec.nodeName when unset"))
            }
            if i.spec.volumes != e.spec.volumes {
                return .failure(forbidden("spec.volumes", "pod updates may not change fields other than spec.containers[*].image, spec.activeDeadlineSeconds, spec.tolerations or spec.nodeName when unset"))
            }
            if Self.withoutImages(i.spec) != Self.withoutImages(e.spec) {
                return .failure(forbidden("spec", "pod updates may not change fields other than spec.containers[*].image, spec.activeDeadlineSeconds, spec.tolerations or spec.nodeName when unset"))
            }
            i.metadata = meta
            i.status = e.status
            return .success(.pod(i))
        case (.node(let e), .node(var i)):
            i.metadata = meta
            i.status = e.status
            return .success(.node(i))
        case (.event, .event(var i)):
            i.metadata = meta
            return .success(.event(i))
        case (.lease, .lease(var i)):
            // Every member of a Lease's spec may change: that is what holders do.
            i.metadata = meta
            return .success(.lease(i))
        case (.csiStorageCapacity, .csiStorageCapacity(var i)):
            // Every member may change: a capacity is what its producer last measured.
            i.metadata = meta
            return .success(.csiStorageCapacity(i))
        case (.role, .role(var i)):
            i.metadata = meta
            return .success(.role(i))
        case (.clusterRole, .clusterRole(var i)):
            i.metadata = meta
            return .success(.clusterRole(i))
        case (.roleBinding(let e), .roleBinding(var i)):
            if i.roleRef != e.roleRef { return .failure(invalid("roleRef", "cannot change roleRef")) }
            i.metadata = meta
            return .success(.roleBinding(i))
        case (.clusterRoleBinding(let e), .clusterRoleBinding(var i)):
            if i.roleRef != e.roleRef { return .failure(invalid("roleRef", "cannot change roleRef")) }
            i.metadata = meta
            return .success(.clusterRoleBinding(i))
        default:
            return .failure(ValidationError(field: "kind", message: "cannot change an object's kind"))
        }
    }

    /// A Pod spec with what an update may change blanked: container images and an unset node.
    static func withoutImages(_ spec: PodSpec) -> PodSpec {
        var s = spec
        s.nodeName = nil
        s.containers = s.containers?.map { var c = $0; c.image = nil; return c }
        s.initContainers = s.initContainers?.map { var c = $0; c.image = nil; return c }
        return s
    }

    private static func forbidden(_ field: String, _ message: String) -> ValidationError {
        ValidationError(field: field, message: "Forbidden: \(message)")
    }

    private static func invalid(_ field: String, _ message: String) -> ValidationError {
        ValidationError(field: field, message: "Invalid value: \(message)")
    }
}
