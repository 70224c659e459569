import Logging
import PVDDrivers
import PVDModel
import PVDStore

/// Event reasons of the provisioner and the reclaimer, as Kubernetes' external provisioner and
/// PV controller spell them.
public enum ProvisionerReason {
    public static let provisioning = "Provisioning"
    public static let provisioningSucceeded = "ProvisioningSucceeded"
    public static let provisioningFailed = "ProvisioningFailed"
    public static let volumeFailedDelete = "VolumeFailedDelete"
    public static let volumeDeleted = "VolumeDeleted"
}

extension Reconciler {
    /// A claim this node should make a volume for.
    struct ProvisionWork {
        var claimKey: String
        var storageClass: StorageClass
        var driver: any VolumeDriver
    }

    /// The claims the binder left to provisioning whose provisioner is one of this node's drivers
    /// and whose class lets this node do it: Immediate classes here, WaitForFirstConsumer classes
    /// only when this node is the claim's selected node.
    func provisioningWork(_ actions: [ClaimAction], context: BinderContext) -> [ProvisionWork] {
        var work: [ProvisionWork] = []
        for action in actions {
            guard case .provision(let provisioner) = action.outcome, let driver = agent.driver(for: provisioner) else { continue }
            guard let claim = action.claim ?? context.claim(key: action.claimKey),
                  let sc = context.storageClass(named: claim.className) else { continue }
            let selected = claim.metadata.annotation(Annotations.selectedNode)
            if sc.effectiveBindingMode == .waitForFirstConsumer, selected != agent.nodeName { continue }
            // An Immediate claim another node has taken is that node's to provision.
            if let selected, selected != agent.nodeName { continue }
            work.append(ProvisionWork(claimKey: action.claimKey, storageClass: sc, driver: driver))
        }
        return work
    }

    /// Makes each volume and records its PV, pre-bound to the claim; the binder binds it on the
    /// next pass. A failure is reported on the claim, and what the driver made is removed.
    ///
    /// Each claim is tried at most once per run (`attempted`); a failed one waits for the next
    /// run, or the daemon's backoff.
    func provision(
        _ work: [ProvisionWork], snapshot: inout Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary,
        attempted: inout Set<String>
    ) async throws {
        for item in work {
            guard let claim = snapshot.claims[item.claimKey], let name = ProvisionedVolumeBuilder.volumeName(for: claim) else { continue }
            if snapshot.volumes[name] != nil { continue }
            guard attempted.insert(name).inserted else { continue }
            let sc = item.storageClass
            let params = sc.parameters ?? [:]
            var events: [BinderEvent] = []
            func report(_ type: EventType, _ reason: String, _ message: String) {
                events.append(BinderEvent(object: claim.reference, type: type, reason: reason, message: message))
            }
            let problems = item.driver.validate(parameters: params, volumeMode: claim.volumeMode)
            if !problems.isEmpty {
                report(.warning, ProvisionerReason.provisioningFailed,
                       "failed to provision volume with StorageClass \"\(sc.metadata.name)\": \(problems.joined(separator: "; "))")
                summary.provisioningFailures += 1
                _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
                continue
            }
            // Several nodes may share the store and all see an Immediate claim: the one whose
            // compare-and-swap records it as the selected node provisions; the others skip it.
            if claim.metadata.annotation(Annotations.selectedNode) == nil {
                var taken = claim
                taken.metadata.setAnnotation(Annotations.selectedNode, agent.nodeName)
                let write = StoreWrite.update(.persistentVolumeClaim(taken))
                guard let results = try await tryCommit([write]) else { continue }
                snapshot.apply([write], results: results)
                summary.writes += 1
            }
            report(.normal, ProvisionerReason.provisioning, "External provisioner is provisioning volume for claim \"\(claim.key)\"")
            let request = ProvisionRequest(
                name: name, capacityBytes: claim.request?.value ?? 0, volumeMode: claim.volumeMode, parameters: params,
                mountOptions: sc.mountOptions ?? [], claimNamespace: claim.namespace, claimName: claim.metadata.name)
            let clock = ContinuousClock()
            let started = clock.now
            let made: ProvisionedVolume
            do {
                made = try await item.driver.provision(request)
            } catch {
                report(.warning, ProvisionerReason.provisioningFailed,
                       "failed to provision volume with StorageClass \"\(sc.metadata.name)\": \(error.message)")
                logger.warning("provisioning failed", metadata: ["pvd.pvc": "\(claim.key)", "pvd.error": "\(error.message)"])
                // Nothing half-made stays behind: no PV refers to it yet.
                try? await item.driver.delete(name: name, parameters: params)
                summary.provisioningFailures += 1
                _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
                continue
            }
            let pv = ProvisionedVolumeBuilder.build(
                claim: claim, storageClass: sc, node: agent.nodeName, made: made, name: name,
                loopFSType: params["fsType"] ?? "ext4")
            let write = StoreWrite.create(.persistentVolume(pv))
            if let results = try await tryCommit([write]) {
                snapshot.apply([write], results: results)
                let took = clock.now - started
                summary.provisionSeconds.append(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
                summary.provisioned += 1
                summary.writes += 1
                report(.normal, ProvisionerReason.provisioningSucceeded, "Successfully provisioned volume \(name)")
                logger.info("volume provisioned", metadata: ["pvd.pvc": "\(claim.key)", "pvd.pv": "\(name)", "pvd.path": "\(made.path)"])
            }
            _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
        }
    }

    /// Volumes whose claim is gone and whose policy is Delete: the driver removes the backing,
    /// then the PV goes. A volume pvd did not make cannot be deleted by it and goes Failed, as
    /// Kubernetes does when no plugin can delete it; a failed deletion leaves the PV Failed with
    /// the reason, and the next run tries again.
    func reclaim(snapshot: inout Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary) async throws {
        let candidates = snapshot.volumes.values.filter {
            $0.metadata.deletionTimestamp == nil && $0.spec.persistentVolumeReclaimPolicy == .delete
                && ($0.phase == .released || ($0.phase == .failed && $0.metadata.annotation(Annotations.provisionedBy) != nil))
        }.sorted { $0.metadata.name < $1.metadata.name }
        for pv in candidates {
            var events: [BinderEvent] = []
            guard let provisioner = pv.metadata.annotation(Annotations.provisionedBy) else {
                if pv.phase != .failed {
                    let message = "error getting deleter volume plugin for volume \"\(pv.metadata.name)\": no deletable volume plugin matched"
                    try await markFailed(pv, message: message, snapshot: &snapshot, summary: &summary)
                    events.append(BinderEvent(object: pv.reference, type: .warning, reason: ProvisionerReason.volumeFailedDelete, message: message))
                    _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
                }
                continue
            }
            guard let driver = agent.driver(for: provisioner), agent.owns(pv) else { continue }
            // Decide on the volume as stored now, not as the snapshot saw it: someone may have
            // switched it to Retain (or rebound it) while this pass was busy.
            guard let current = try? await store.get(PersistentVolume.self, namespace: nil, name: pv.metadata.name),
                  current.metadata.resourceVersion == pv.metadata.resourceVersion else { continue }
            do {
                try await driver.delete(name: pv.metadata.name, parameters: ProvisionedVolumeBuilder.parameters(of: pv))
            } catch {
                let message = "failed to delete volume \(pv.metadata.name): \(error.message)"
                try await markFailed(pv, message: message, snapshot: &snapshot, summary: &summary)
                events.append(BinderEvent(object: pv.reference, type: .warning, reason: ProvisionerReason.volumeFailedDelete, message: message))
                _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
                continue
            }
            let write = StoreWrite.delete(kind: .persistentVolume, namespace: nil, name: pv.metadata.name, uid: pv.metadata.uid)
            if let results = try await tryCommit([write]) {
                snapshot.apply([write], results: results)
                summary.deleted += 1
                summary.writes += 1
                logger.info("volume deleted", metadata: ["pvd.pv": "\(pv.metadata.name)"])
            }
        }
    }

    private func markFailed(_ pv: PersistentVolume, message: String, snapshot: inout Snapshot, summary: inout ReconcileSummary) async throws {
        guard pv.phase != .failed || pv.status?.message != message else { return }
        var failed = pv
        failed.status = PersistentVolumeStatus(phase: .failed, message: message)
        let write = StoreWrite.update(.persistentVolume(failed))
        if let results = try await tryCommit([write]) {
            snapshot.apply([write], results: results)
            summary.writes += 1
        }
    }
}

extension Reconciler {
    /// Records the node a WaitForFirstConsumer claim's first Pod names (see `ConsumerScheduling`).
    func scheduleConsumers(snapshot: inout Snapshot, summary: inout ReconcileSummary) async throws {
        guard !snapshot.pods.isEmpty else { return }
        var classes: [String: StorageClass] = [:]
        for c in snapshot.classes { classes[c.metadata.name] = c }
        let updates = ConsumerScheduling.selectNodes(
            pods: snapshot.pods, claims: snapshot.claims, classes: classes,
            defaultClass: BindingRules.defaultClass(among: snapshot.classes))
        for claim in updates {
            let write = StoreWrite.update(.persistentVolumeClaim(claim))
            if let results = try await tryCommit([write]) {
                snapshot.apply([write], results: results)
                summary.writes += 1
                logger.info("claim scheduled", metadata: ["pvd.pvc": "\(claim.key)", "pvd.node": "\(claim.metadata.annotation(Annotations.selectedNode) ?? "")"])
            }
        }
    }
}
