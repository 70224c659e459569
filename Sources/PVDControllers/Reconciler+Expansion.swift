import Logging
import PVDDrivers
import PVDModel
import PVDStore

/// Event reasons of volume expansion, as Kubernetes' external-resizer and kubelet spell them.
public enum ExpansionReason {
    public static let resizing = "Resizing"
    public static let volumeResizeSuccessful = "VolumeResizeSuccessful"
    public static let fileSystemResizeSuccessful = "FileSystemResizeSuccessful"
    public static let volumeResizeFailed = "VolumeResizeFailed"
    public static let fileSystemResizeRequired = "FileSystemResizeRequired"
}

/// A Bound claim whose request is above its status.capacity, and the volume this node grows
/// for it.
struct ExpansionWork: Sendable {
    var claimKey: String
    var volumeName: String
    var provisioner: String
    var driver: any VolumeDriver
    /// The request in bytes; nil when it is more than a volume can have (past Int64).
    var requestBytes: Int64?

    /// Whether a claim asks for more than it holds: Bound, not being deleted, its request
    /// above its status.capacity.
    static func wanted(_ claim: PersistentVolumeClaim) -> Bool {
        guard claim.phase == .bound, claim.metadata.deletionTimestamp == nil, let request = claim.request else { return false }
        return (claim.status?.capacity?["storage"] ?? Quantity(0)) < request
    }

    /// The claims to grow, in key order: Bound, not being deleted, a request above
    /// status.capacity, and bound (by uid) to a volume pvd provisioned on this node with a driver
    /// it has. Kubernetes' resize controller checks the class only at admission, and so does pvd.
    static func select(claims: [String: PersistentVolumeClaim], volumes: [String: PersistentVolume], agent: NodeAgent) -> [ExpansionWork] {
        var work: [ExpansionWork] = []
        // Every claim given is looked at, few qualify: only those are put in key order.
        for (key, claim) in claims {
            guard wanted(claim), let request = claim.request, let name = claim.spec.volumeName, let pv = volumes[name],
                  pv.metadata.deletionTimestamp == nil, pv.phase == .bound,
                  let ref = pv.spec.claimRef, ref.uid != nil, ref.uid == claim.metadata.uid,
                  let provisioner = pv.metadata.annotation(Annotations.provisionedBy),
                  let driver = agent.driver(for: provisioner), agent.owns(pv) else { continue }
            work.append(ExpansionWork(claimKey: key, volumeName: name, provisioner: provisioner, driver: driver, requestBytes: request.int64Value))
        }
        return work.sorted { $0.claimKey < $1.claimKey }
    }

    /// The volume and the claim once the driver says the volume holds `bytes`: the PV's
    /// spec.capacity and the claim's status.capacity both say so (what `get pv` and `get pvc` show).
    static func grown(_ pv: PersistentVolume, _ claim: PersistentVolumeClaim, bytes: Int64) -> (PersistentVolume, PersistentVolumeClaim) {
        let capacity = Quantity(bytes)
        var v = pv
        var c = claim
        if (v.capacity ?? Quantity(0)) < capacity {
            var spec = v.spec.capacity ?? [:]
            spec["storage"] = capacity
            v.spec.capacity = spec
        }
        var status = c.status ?? PersistentVolumeClaimStatus(phase: .bound)
        var held = status.capacity ?? [:]
        held["storage"] = v.capacity ?? capacity
        status.capacity = held
        // The filesystem grew: nothing waits any longer.
        status.conditions?.removeAll { $0.type == PersistentVolumeClaimCondition.fileSystemResizePending }
        if status.conditions?.isEmpty == true { status.conditions = nil }
        c.status = status
        return (v, c)
    }

    /// Kubernetes' words for a volume whose filesystem grows once a Pod (re)starts on it.
    static let pendingMessage = "Waiting for user to (re-)start a pod to finish file system resize of volume on node."

    /// The claim once its volume grew but the filesystem waits for the volume to be unused:
    /// condition FileSystemResizePending (its transition time kept from when it first said so)
    /// and status.allocatedResources at the request. Nil when the claim says so already.
    static func pending(_ claim: PersistentVolumeClaim, request: Quantity, now: Time) -> PersistentVolumeClaim? {
        var status = claim.status ?? PersistentVolumeClaimStatus(phase: .bound)
        var changed = false
        if status.allocatedResources?["storage"] != request {
            var allocated = status.allocatedResources ?? [:]
            allocated["storage"] = request
            status.allocatedResources = allocated
            changed = true
        }
        if status.condition(PersistentVolumeClaimCondition.fileSystemResizePending)?.status != "True" {
            var conditions = (status.conditions ?? []).filter { $0.type != PersistentVolumeClaimCondition.fileSystemResizePending }
            conditions.append(PersistentVolumeClaimCondition(
                type: PersistentVolumeClaimCondition.fileSystemResizePending, status: "True", lastProbeTime: now,
                lastTransitionTime: now, message: pendingMessage))
            status.conditions = conditions
            changed = true
        }
        guard changed else { return nil }
        var c = claim
        c.status = status
        return c
    }
}

extension Reconciler {
    /// Grows the volumes of claims whose request went up (see `ExpansionWork.select`): the driver
    /// grows the volume, then the PV's capacity and the claim's status.capacity are written, in
    /// that order. A failure is an event on the claim, which stays as it was (its request still
    /// higher) and is tried again on a later run; a crash between the steps is finished by the
    /// next run, as the drivers' expansion is idempotent. Each claim is tried once per run.
    func expand(snapshot: inout Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary, attempted: inout Set<String>) async throws {
        for item in ExpansionWork.select(claims: snapshot.claimsInFocus, volumes: snapshot.volumes, agent: agent) {
            guard attempted.insert(ControllerLoop.expansionPrefix + item.claimKey).inserted,
                  let claim = snapshot.claims[item.claimKey], let pv = snapshot.volumes[item.volumeName] else { continue }
            // A claim already waiting for its filesystem is tried again quietly: its one event
            // said so when it started waiting.
            let waiting = claim.status?.condition(PersistentVolumeClaimCondition.fileSystemResizePending)?.status == "True"
            var events = waiting ? [] : [BinderEvent(
                object: claim.reference, type: .normal, reason: ExpansionReason.resizing,
                message: "External resizer is resizing volume \(pv.metadata.name)")]
            let bytes: Int64
            do throws(DriverError) {
                guard let requested = item.requestBytes else {
                    throw DriverError(.invalid, "the request \(claim.request ?? Quantity(0)) is more bytes than a volume can have (2^63-1)")
                }
                bytes = try await item.driver.expand(
                    name: pv.metadata.name, parameters: ProvisionedVolumeBuilder.parameters(of: pv), volumeMode: pv.volumeMode,
                    newCapacityBytes: requested)
            } catch {
                if error.filesystemResizePending {
                    try await markPending(claim, pv: pv, item: item, events: events, snapshot: &snapshot, recorder: &recorder, summary: &summary)
                    continue
                }
                events.append(BinderEvent(
                    object: claim.reference, type: .warning, reason: ExpansionReason.volumeResizeFailed,
                    message: "resize volume \"\(pv.metadata.name)\" by resizer \"\(item.provisioner)\" failed: \(error.message)"))
                logger.warning("expansion failed", metadata: ["pvd.pvc": "\(item.claimKey)", "pvd.pv": "\(pv.metadata.name)", "pvd.error": "\(error.message)"])
                summary.expansionFailures += 1
                _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
                continue
            }
            let (volume, grownClaim) = ExpansionWork.grown(pv, claim, bytes: bytes)
            var written = true
            for write in [StoreWrite.update(.persistentVolume(volume)), .update(.persistentVolumeClaim(grownClaim))] {
                // A lost race (someone changed either object meanwhile) is picked up by the next
                // run, whose driver call finds the volume grown already.
                guard let results = try await tryCommit([write]) else {
                    summary.conflicts += 1
                    written = false
                    break
                }
                snapshot.apply([write], results: results)
                summary.writes += 1
            }
            if written {
                summary.expanded += 1
                // Filesystem loop volumes had their filesystem grown, which is kubelet's part in Kubernetes.
                if item.provisioner == "pvd.io/loop" && pv.volumeMode == .filesystem {
                    events.append(BinderEvent(
                        object: claim.reference, type: .normal, reason: ExpansionReason.fileSystemResizeSuccessful,
                        message: "MountVolume.NodeExpandVolume succeeded for volume \"\(pv.metadata.name)\" \(agent.nodeName)"))
                } else {
                    events.append(BinderEvent(
                        object: claim.reference, type: .normal, reason: ExpansionReason.volumeResizeSuccessful, message: "Resize volume succeeded"))
                }
                logger.info("volume expanded", metadata: [
                    "pvd.pvc": "\(item.claimKey)", "pvd.pv": "\(pv.metadata.name)", "pvd.capacity": "\(volume.capacity?.description ?? "")",
                ])
            }
            _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
        }
    }
}

extension Reconciler {
    /// The volume grew but its filesystem waits until nothing uses it (a Pod publishes it, and
    /// this process may only grow it offline): the claim says so as Kubernetes does, with one
    /// Normal event when it starts waiting, and a later run finishes once the volume is free.
    fileprivate func markPending(
        _ claim: PersistentVolumeClaim, pv: PersistentVolume, item: ExpansionWork, events: [BinderEvent],
        snapshot: inout Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary
    ) async throws {
        guard let request = claim.request, let updated = ExpansionWork.pending(claim, request: request, now: Time.now()) else { return }
        let write = StoreWrite.update(.persistentVolumeClaim(updated))
        // A lost race is tried again by the next run.
        guard let results = try await tryCommit([write]) else {
            summary.conflicts += 1
            return
        }
        snapshot.apply([write], results: results)
        summary.writes += 1
        var events = events
        if claim.status?.condition(PersistentVolumeClaimCondition.fileSystemResizePending)?.status != "True" {
            events.append(BinderEvent(
                object: claim.reference, type: .normal, reason: ExpansionReason.fileSystemResizeRequired,
                message: "Require file system resize of volume on node"))
            logger.info("filesystem resize pending", metadata: [
                "pvd.pvc": "\(item.claimKey)", "pvd.pv": "\(pv.metadata.name)", "pvd.capacity": "\(request.description)",
            ])
        }
        _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
    }
}
