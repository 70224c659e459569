import PVDModel

extension Binder {
    /// What Kubernetes' syncClaim would do with this claim. A claim without the
    /// `bind-completed` annotation goes through the unbound path, any other through the bound
    /// path. A bind updates `index`, so the volume is not offered again.
    public func syncClaim(
        _ claim: PersistentVolumeClaim, context: BinderContext, index: inout VolumeIndex
    ) -> ClaimAction {
        if claim.metadata.annotation(Annotations.bindCompleted) == nil {
            return syncUnboundClaim(claim, context: context, index: &index)
        }
        return syncBoundClaim(claim, context: context, index: &index)
    }

    private func syncUnboundClaim(
        _ claim: PersistentVolumeClaim, context: BinderContext, index: inout VolumeIndex
    ) -> ClaimAction {
        if let name = claim.spec.volumeName, !name.isEmpty {
            return syncClaimNamingVolume(claim, volumeName: name, context: context, index: &index)
        }

        // A claim that names no class gets the default one, and is matched against it.
        var c = claim
        let (className, assigned) = Self.matchedClass(claim.metadata, claim.spec, context: context)
        if let assigned { c.spec.storageClassName = assigned }
        let storageClass = className.isEmpty ? nil : context.storageClass(named: className)
        let delayBinding = storageClass?.effectiveBindingMode == .waitForFirstConsumer
        let selectedNode = c.metadata.annotation(Annotations.selectedNode)
        // pvd has no scheduler: once a consumer's node is chosen, the binder takes the
        // scheduler's part and matches against that node.
        let node = delayBinding ? selectedNode.flatMap { context.node(named: $0) } : nil

        if let volume = index.findBestMatch(for: c, className: className, delayBinding: delayBinding, node: node) {
            return bind(volume, to: c, original: claim, context: context, index: &index, assignedDefaultClass: assigned)
        }

        if delayBinding && selectedNode == nil {
            let event = BinderEvent(
                object: claim.reference, type: .normal, reason: BinderReason.waitForFirstConsumer,
                message: "waiting for first consumer to be created before binding")
            return pending(c, original: claim, outcome: .waitForFirstConsumer, events: [event], assignedDefaultClass: assigned)
        }
        if !className.isEmpty {
            return provision(c, original: claim, className: className, storageClass: storageClass, assignedDefaultClass: assigned)
        }
        let event = BinderEvent(
            object: claim.reference, type: .normal, reason: BinderReason.failedBinding,
            message: "no persistent volumes available for this claim and no storage class is set")
        return pending(c, original: claim, events: [event], assignedDefaultClass: assigned)
    }

    /// The class a claim on the unbound path is matched against, and the default class it is
    /// given when it names none (then both are that class's name). Kubernetes normally assigns
    /// the default at admission; its controller does it retroactively for claims created before
    /// a default existed (after first trying class-less volumes; pvd, having no admission step,
    /// assigns first so "unset" always means "default").
    static func matchedClass(
        _ meta: ObjectMeta, _ spec: PersistentVolumeClaimSpec, context: BinderContext
    ) -> (className: String, assignedDefault: String?) {
        if let requested = BindingRules.requestedClass(meta, spec) { return (requested, nil) }
        guard let def = context.defaultClass?.metadata.name else { return ("", nil) }
        return (def, def)
    }

    /// Kubernetes' provisionClaim for an external provisioner: the claim gets the
    /// storage-provisioner annotations (GA and beta) and an ExternalProvisioning event.
    private func provision(
        _ claim: PersistentVolumeClaim, original: PersistentVolumeClaim, className: String,
        storageClass: StorageClass?, assignedDefaultClass: String?
    ) -> ClaimAction {
        guard let storageClass else {
            let event = BinderEvent(
                object: original.reference, type: .warning, reason: BinderReason.provisioningFailed,
                message: "storageclass.storage.k8s.io \"\(className)\" not found")
            return pending(claim, original: original, events: [event], assignedDefaultClass: assignedDefaultClass)
        }
        let provisioner = storageClass.provisioner
        if provisioner == BindingRules.noProvisioner {
            let event = BinderEvent(
                object: original.reference, type: .warning, reason: BinderReason.provisioningFailed,
                message: "no volume plugin matched name: \(provisioner)")
            return pending(claim, original: original, events: [event], assignedDefaultClass: assignedDefaultClass)
        }
        var c = claim
        if c.metadata.annotation(Annotations.storageProvisioner) != provisioner {
            c.metadata.setAnnotation(Annotations.betaStorageProvisioner, provisioner)
            c.metadata.setAnnotation(Annotations.storageProvisioner, provisioner)
        }
        let event = BinderEvent(
            object: original.reference, type: .normal, reason: BinderReason.externalProvisioning,
            message: "Waiting for a volume to be created either by the external provisioner '\(provisioner)' "
                + "or manually by the system administrator. If volume creation is delayed, please verify that "
                + "the provisioner is running and correctly registered.")
        return pending(
            c, original: original, outcome: .provision(provisioner: provisioner), events: [event],
            assignedDefaultClass: assignedDefaultClass)
    }

    /// The claim asks for a volume by name (`spec.volumeName`).
    private func syncClaimNamingVolume(
        _ claim: PersistentVolumeClaim, volumeName: String, context: BinderContext, index: inout VolumeIndex
    ) -> ClaimAction {
        guard let volume = index.volume(named: volumeName) else {
            // Not there (yet): stay Pending and look again later.
            return pending(claim, original: claim)
        }
        if volume.spec.claimRef == nil {
            if let problem = Self.mismatch(of: volume, for: claim) {
                let event = BinderEvent(
                    object: claim.reference, type: .warning, reason: BinderReason.volumeMismatch,
                    message: "Cannot bind to requested volume \"\(volumeName)\": \(problem)")
                return pending(claim, original: claim, events: [event])
            }
            return bind(volume, to: claim, original: claim, context: context, index: &index)
        }
        if BindingRules.isVolume(volume, boundTo: claim) {
            return bind(volume, to: claim, original: claim, context: context, index: &index)
        }
        let event = BinderEvent(
            object: claim.reference, type: .warning, reason: BinderReason.failedBinding,
            message: "volume \"\(volumeName)\" already bound to a different claim.")
        if claim.metadata.annotation(Annotations.boundByController) == nil {
            return pending(claim, original: claim, events: [event])
        }
        // Kubernetes treats this as an error to retry and leaves the status alone.
        return ClaimAction(claimKey: BindingRules.key(of: claim), outcome: .pending, events: [event])
    }

    /// Kubernetes' checkVolumeSatisfyClaim, for a volume a claim names: why it cannot be
    /// bound, or nil. Phase, selector and node affinity are not checked on this path.
    static func mismatch(of volume: PersistentVolume, for claim: PersistentVolumeClaim) -> String? {
        if volume.metadata.deletionTimestamp != nil { return "the volume is marked for deletion \"\(volume.metadata.name)\"" }
        if BindingRules.capacity(of: volume) < BindingRules.request(of: claim) { return "requested PV is too small" }
        if BindingRules.className(of: volume) != BindingRules.className(of: claim) { return "storageClassName does not match" }
        if volume.volumeMode != claim.volumeMode { return "incompatible volumeMode" }
        if !BindingRules.accessModes(of: volume, satisfy: claim) { return "incompatible accessMode" }
        return nil
    }

    private func syncBoundClaim(
        _ claim: PersistentVolumeClaim, context: BinderContext, index: inout VolumeIndex
    ) -> ClaimAction {
        guard let name = claim.spec.volumeName, !name.isEmpty else {
            return lost(claim, reason: BinderReason.claimLost,
                        message: "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
        }
        guard let volume = index.volume(named: name) else {
            return lost(claim, reason: BinderReason.claimLost,
                        message: "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
        }
        guard let ref = volume.spec.claimRef, (ref.uid ?? "") != (claim.metadata.uid ?? "") else {
            // Unbound volume (bind again) or bound to this claim (complete anything missing).
            return bind(volume, to: claim, original: claim, context: context, index: &index)
        }
        return lost(claim, reason: BinderReason.claimMisbound,
                    message: "Two claims are bound to the same volume, this one is bound incorrectly")
    }
}
