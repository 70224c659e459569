import PVDModel

extension Binder {
    /// What Kubernetes' syncVolume would do with this volume (reclaiming a Released volume is
    /// left to the reclaimer).
    ///
    /// - no claimRef, or a claimRef without uid (pre-bound, waiting for its claim): Available;
    /// - its claim is gone, or has another uid (deleted and made again): Released, unless the
    ///   volume is already Released or Failed;
    /// - its claim has no volumeName yet: the claim's sync completes the bind (a volumeMode
    ///   mismatch is reported on both instead, since that sync will never pick this volume);
    /// - its claim names it: Bound;
    /// - its claim names another volume: a dynamically provisioned volume with reclaim policy
    ///   Delete is Released; otherwise the binding is undone (all of it if the controller made
    ///   it, only the uid if a user pre-bound the volume) and the volume is Available.
    public func syncVolume(_ volume: PersistentVolume, context: BinderContext) -> VolumeAction {
        let name = volume.metadata.name
        guard let ref = volume.spec.claimRef, let uid = ref.uid, !uid.isEmpty else {
            return setting(.available, of: volume, outcome: .available, context: context)
        }
        let claimKey = BindingRules.claimKey(of: ref)
        guard let claim = context.claim(key: claimKey), claim.metadata.uid == uid else {
            let phase = volume.status?.phase
            guard phase != .released, phase != .failed else {
                return VolumeAction(volumeName: name, outcome: phase == .released ? .released : .unchanged)
            }
            return setting(.released, of: volume, outcome: .released, context: context)
        }
        guard let claimVolume = claim.spec.volumeName, !claimVolume.isEmpty else {
            if volume.volumeMode != claim.volumeMode {
                let events = [
                    BinderEvent(
                        object: volume.reference, type: .warning, reason: BinderReason.volumeMismatch,
                        message: "Cannot bind PersistentVolume to requested PersistentVolumeClaim \"\(claim.metadata.name)\" due to incompatible volumeMode."),
                    BinderEvent(
                        object: claim.reference, type: .warning, reason: BinderReason.volumeMismatch,
                        message: "Cannot bind PersistentVolume \"\(name)\" to requested PersistentVolumeClaim due to incompatible volumeMode."),
                ]
                return VolumeAction(volumeName: name, outcome: .unchanged, events: events)
            }
            return VolumeAction(volumeName: name, outcome: .waitingForClaim(claimKey: claimKey))
        }
        if claimVolume == name {
            return setting(.bound, of: volume, outcome: .bound, context: context)
        }
        if volume.metadata.annotation(Annotations.provisionedBy) != nil,
           volume.spec.persistentVolumeReclaimPolicy == .delete {
            let phase = volume.status?.phase
            guard phase != .released, phase != .failed else {
                return VolumeAction(volumeName: name, outcome: phase == .released ? .released : .unchanged)
            }
            return setting(.released, of: volume, outcome: .released, context: context)
        }
        return VolumeAction(volumeName: name, outcome: .unbound, volume: Self.unbinding(volume, now: context.now))
    }

    /// The volume Available again, as Kubernetes' unbindVolume leaves it (after a broken bind or
    /// a recycle): a binding the controller made is removed, claimRef and annotation; a volume a
    /// user pre-bound keeps its claimRef without the uid, so it waits for that claim again.
    public static func unbinding(_ volume: PersistentVolume, now: Time?) -> PersistentVolume {
        var pv = volume
        if pv.metadata.annotation(Annotations.boundByController) != nil {
            pv.spec.claimRef = nil
            pv.metadata.setAnnotation(Annotations.boundByController, nil)
        } else {
            pv.spec.claimRef?.uid = nil
        }
        setPhase(.available, of: &pv, now: now)
        return pv
    }

    private func setting(
        _ phase: VolumePhase, of volume: PersistentVolume, outcome: VolumeAction.Outcome, context: BinderContext
    ) -> VolumeAction {
        // Already in that phase: nothing to write, and no copy of the volume to compare with it
        // (the common case on every pass after the first).
        guard volume.status?.phase != phase else { return VolumeAction(volumeName: volume.metadata.name, outcome: outcome) }
        return VolumeAction(
            volumeName: volume.metadata.name, outcome: outcome, volume: Self.settingPhase(phase, of: volume, now: context.now))
    }
}
