import PVDModel

/// The decisions of Kubernetes' PersistentVolume controller (pv_controller.go: syncClaim,
/// syncVolume, bind), as pure functions from plain values to the writes and events they imply.
///
/// Nothing here reads a store or the clock: a controller feeds it a snapshot (a `VolumeIndex`
/// and a `BinderContext`) and applies the `ClaimAction`s and `VolumeAction`s it gets back.
/// Where Kubernetes would write an object in several requests (spec, then status), pvd writes
/// the final state once.
public struct Binder: Sendable {
    public init() {}
}

extension Binder {
    /// Binds a volume and a claim the way Kubernetes' bind() leaves them, and records the new
    /// volume in the index so no other claim can be given it.
    ///
    /// Volume: claimRef set to the claim (kind, namespace, name, uid, apiVersion,
    /// resourceVersion) unless it already names it with the same uid; `bound-by-controller`
    /// added when the volume was not already pre-bound to this claim; phase Bound.
    /// Claim: volumeName set, with `bound-by-controller` when the controller is the one setting
    /// it; `bind-completed`; phase Bound, status.accessModes from the volume, and
    /// status.capacity from the volume when the claim is just becoming Bound.
    func bind(
        _ volume: PersistentVolume, to claim: PersistentVolumeClaim, original: PersistentVolumeClaim,
        context: BinderContext, index: inout VolumeIndex, assignedDefaultClass: String? = nil
    ) -> ClaimAction {
        // Each part of both objects is read once: a read through an object's box is a copy of
        // that part, and a batch binds every claim here.
        let claimMeta = claim.metadata
        let volumeSpec = volume.spec
        let volumeName = volume.metadata.name
        var pv = volume
        var volumeChanged = false
        // Taken once (the claimRef and the event share it), and only when needed: an already
        // bound pair, the usual case on a later pass, needs neither.
        var cachedReference: ObjectReference?
        func claimReference() -> ObjectReference {
            if let r = cachedReference { return r }
            let r = claim.reference
            cachedReference = r
            return r
        }
        let wasBoundToClaim = BindingRules.isVolume(volume, boundTo: claim)
        let ref = volumeSpec.claimRef
        if ref == nil || ref?.name != claimMeta.name || (ref?.namespace ?? "default") != (claimMeta.namespace ?? "default")
            || (ref?.uid ?? "") != (claimMeta.uid ?? "") {
            pv.spec.claimRef = claimReference()
            volumeChanged = true
        }
        if !wasBoundToClaim, pv.metadata.annotation(Annotations.boundByController) == nil {
            pv.metadata.setAnnotation(Annotations.boundByController, "yes")
            volumeChanged = true
        }
        if pv.status?.phase != .bound {
            Self.setPhase(.bound, of: &pv, now: context.now)
            volumeChanged = true
        }

        var c = claim
        var claimChanged = assignedDefaultClass != nil
        if c.spec.volumeName != volumeName {
            c.spec.volumeName = volumeName
            if claimMeta.annotation(Annotations.boundByController) == nil {
                c.metadata.setAnnotation(Annotations.boundByController, "yes")
            }
            claimChanged = true
        }
        if claimMeta.annotation(Annotations.bindCompleted) == nil {
            c.metadata.setAnnotation(Annotations.bindCompleted, "yes")
            claimChanged = true
        }
        let oldStatus = claim.status
        let becomingBound = oldStatus?.phase != .bound
        var status = oldStatus ?? PersistentVolumeClaimStatus()
        if becomingBound {
            status.phase = .bound
            if let capacity = volumeSpec.capacity?["storage"], status.capacity?["storage"].map({ $0 == capacity }) != true {
                status.capacity = volumeSpec.capacity
            }
        }
        if status.accessModes != volumeSpec.accessModes { status.accessModes = volumeSpec.accessModes }
        if status != oldStatus {
            c.status = status
            claimChanged = true
        }

        var events: [BinderEvent] = []
        if becomingBound {
            events.append(BinderEvent(
                object: claimReference(), type: .normal, reason: BinderReason.volumeBound,
                message: "Successfully bound to volume \(volumeName)"))
        }
        if volumeChanged { index.upsert(pv) }
        return ClaimAction(
            claimKey: BindingRules.key(of: original), outcome: .bound(volume: volumeName),
            volume: volumeChanged ? pv : nil, claim: claimChanged ? c : nil, events: events,
            assignedDefaultClass: assignedDefaultClass)
    }

    /// Kubernetes' updateClaimStatus(Pending, nil): phase Pending, no status access modes or capacity.
    static func markedPending(_ claim: PersistentVolumeClaim) -> PersistentVolumeClaim {
        var c = claim
        var status = c.status ?? PersistentVolumeClaimStatus()
        status.phase = .pending
        status.accessModes = nil
        status.capacity = nil
        c.status = status
        return c
    }

    /// A claim left Pending (status written only if it changes), with these events.
    func pending(
        _ claim: PersistentVolumeClaim, original: PersistentVolumeClaim, outcome: ClaimAction.Outcome = .pending,
        events: [BinderEvent] = [], assignedDefaultClass: String? = nil
    ) -> ClaimAction {
        let c = Self.markedPending(claim)
        return ClaimAction(
            claimKey: BindingRules.key(of: original), outcome: outcome, claim: c != original ? c : nil,
            events: events, assignedDefaultClass: assignedDefaultClass)
    }

    /// Kubernetes' updateClaimStatusWithEvent(Lost): status and event only when the phase changes.
    func lost(_ claim: PersistentVolumeClaim, reason: String, message: String) -> ClaimAction {
        let key = BindingRules.key(of: claim)
        guard claim.status?.phase != .lost else { return ClaimAction(claimKey: key, outcome: .lost) }
        var c = claim
        c.status = PersistentVolumeClaimStatus(phase: .lost, accessModes: nil, capacity: nil)
        let event = BinderEvent(object: claim.reference, type: .warning, reason: reason, message: message)
        return ClaimAction(claimKey: key, outcome: .lost, claim: c, events: [event])
    }

    /// The volume with a new phase and an empty message (Kubernetes' updateVolumePhase),
    /// unchanged when it already has that phase.
    static func settingPhase(_ phase: VolumePhase, of volume: PersistentVolume, now: Time?) -> PersistentVolume {
        var pv = volume
        setPhase(phase, of: &pv, now: now)
        return pv
    }

    /// In-place form of `settingPhase`.
    static func setPhase(_ phase: VolumePhase, of pv: inout PersistentVolume, now: Time?) {
        guard pv.status?.phase != phase else { return }
        var status = pv.status ?? PersistentVolumeStatus()
        status.phase = phase
        status.message = nil
        if let now { status.lastPhaseTransitionTime = now }
        pv.status = status
    }
}
