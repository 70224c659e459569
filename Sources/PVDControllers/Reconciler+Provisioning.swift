import Logging
import PVDDrivers
import PVDModel
import PVDStore

/// Event reasons of the provisioner, as Kubernetes' external provisioner spells them.
public enum ProvisionerReason {
    public static let provisioning = "Provisioning"
    public static let provisioningSucceeded = "ProvisioningSucceeded"
    public static let provisioningFailed = "ProvisioningFailed"
}

extension Reconciler {
    /// A claim this node should make a volume for.
    struct ProvisionWork {
        var claimKey: String
        var storageClass: StorageClass
        var driver: any VolumeDriver
    }

    /// The claims this node should make a volume for, taken from the store as the binder left
    /// them, the way Kubernetes' external provisioner takes its work: Pending, naming no volume,
    /// not being deleted, annotated `volume.kubernetes.io/storage-provisioner` with one of this
    /// node's drivers (and of a class with that provisioner), and selected for this node; an
    /// Immediate claim no node has taken yet is open to every node that serves it (the first
    /// whose compare-and-swap records it as the selected node provisions).
    func provisioningWork(_ snapshot: Snapshot) -> [ProvisionWork] {
        var classes: [String: StorageClass] = [:]
        for c in snapshot.classes { classes[c.metadata.name] = c }
        var work: [ProvisionWork] = []
        for (key, claim) in snapshot.claimsInFocus {
            guard let provisioner = claim.metadata.annotation(Annotations.storageProvisioner),
                  let driver = agent.driver(for: provisioner),
                  claim.phase == .pending,
                  claim.spec.volumeName == nil || claim.spec.volumeName == "",
                  claim.metadata.deletionTimestamp == nil,
                  let sc = classes[claim.className], sc.provisioner == provisioner else { continue }
            let selected = claim.metadata.annotation(Annotations.selectedNode)
            if let selected, selected != agent.nodeName { continue }
            if selected == nil, sc.effectiveBindingMode == .waitForFirstConsumer { continue }
            work.append(ProvisionWork(claimKey: key, storageClass: sc, driver: driver))
        }
        // In claim order, so a run provisions the same way each time (and logs read in order).
        return work.sorted { $0.claimKey < $1.claimKey }
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
        // Built once for the batch and grown by what it makes: other volumes' paths and classes'
        // directories, which a new volume must keep clear of (the driver checks under its lock).
        var reserved: [ReservedPath]?
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
            var problems = item.driver.validate(parameters: params, volumeMode: claim.volumeMode)
            let bytes = (claim.request ?? Quantity(0)).int64Value
            if bytes == nil, let request = claim.request {
                problems.append("the request \(request) is more bytes than a volume can have (2^63-1)")
            }
            if !problems.isEmpty {
                report(.warning, ProvisionerReason.provisioningFailed,
                       "failed to provision volume with StorageClass \"\(sc.metadata.name)\": \(problems.joined(separator: "; "))")
                summary.provisioningFailures += 1
                _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
                continue
            }
            // Several nodes may share the store and all see an Immediate claim: the one whose
            // compare-and-swap records it as the selected node provisions; the others skip it.
            // A node alone in the store (no other Node registered) records itself in the
            // provisioning's own commit instead, one commit fewer; should a node register
            // meanwhile and take the claim, that commit loses its race and what this node made is
            // reused or swept as after any lost race.
            let alone = !snapshot.nodes.contains { $0.metadata.name != agent.nodeName }
            var selectInCommit = false
            if claim.metadata.annotation(Annotations.selectedNode) == nil {
                let room = item.driver.classDirectory(parameters: params, owner: sc.metadata.name)
                    .flatMap { FreeSpace.availableBytes(under: $0.path) }
                let placement = ImmediatePlacement.decide(
                    claim: claim, storageClass: sc, nodeName: agent.nodeName,
                    node: snapshot.nodes.first { $0.metadata.name == agent.nodeName }, others: snapshot.nodes,
                    leases: snapshot.nodeLeases, capacities: snapshot.capacities, availableBytes: room, now: Time.now(),
                    grace: nodeGrace, patience: placementPatience)
                if case .leave(let why, let until) = placement {
                    logger.debug("claim left to another node", metadata: ["pvd.pvc": "\(claim.key)", "pvd.reason": "\(why)"])
                    if until != .max { summary.leftUntil = min(summary.leftUntil ?? until, until) }
                    continue
                }
                selectInCommit = alone
            }
            if claim.metadata.annotation(Annotations.selectedNode) == nil, !selectInCommit {
                var taken = claim
                taken.metadata.setAnnotation(Annotations.selectedNode, agent.nodeName)
                let write = StoreWrite.update(.persistentVolumeClaim(taken))
                guard let results = try await tryCommit([write]) else {
                    summary.conflicts += 1
                    continue
                }
                snapshot.apply([write], results: results)
                summary.writes += 1
            }
            report(.normal, ProvisionerReason.provisioning, "External provisioner is provisioning volume for claim \"\(claim.key)\"")
            let paths = reserved ?? agent.reservedPaths(volumes: snapshot.volumes.values, classes: snapshot.classes)
            reserved = paths
            let request = ProvisionRequest(
                name: name, capacityBytes: bytes ?? 0, volumeMode: claim.volumeMode, parameters: params,
                mountOptions: sc.mountOptions ?? [], claimNamespace: claim.namespace, claimName: claim.metadata.name,
                reservedPaths: paths)
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
            // The PV and both sides of its bind in one transaction, as the binder's next pass
            // would write them: one commit (one fsync) instead of two more passes' worth.
            let current = snapshot.claims[item.claimKey] ?? claim
            var bound = Self.bindProvisioned(pv, claim: current, snapshot: snapshot)
            if selectInCommit { bound?.claim.metadata.setAnnotation(Annotations.selectedNode, agent.nodeName) }
            var writes = [StoreWrite.create(.persistentVolume(bound?.volume ?? pv))]
            if let bound { writes.append(.update(.persistentVolumeClaim(bound.claim))) }
            // The events of a success ride in the same commit (new events only: a repeat's
            // count is a compare-and-swap that must not fail the volume's record).
            let succeeded = BinderEvent(object: claim.reference, type: .normal, reason: ProvisionerReason.provisioningSucceeded,
                                        message: "Successfully provisioned volume \(name)")
            let eventsAfter = eventWrites(events + (bound?.events ?? []) + [succeeded], recorder: &recorder, now: Time.now())
            let riding = eventsAfter.filter { if case .create = $0 { true } else { false } }
            let separate = eventsAfter.filter { if case .create = $0 { false } else { true } }
            events = []
            if let results = try await tryCommit(writes + riding) {
                snapshot.apply(writes, results: Array(results.prefix(writes.count)))
                summary.events += riding.count
                summary.events += try await commitEvents(separate)
                reserved? += agent.reservedPaths(volumes: [pv], classes: [])
                if let bound {
                    summary.bound += 1
                    summary.writes += 1
                    logger.info("claim bound", metadata: ["pvd.pvc": "\(claim.key)", "pvd.pv": "\(name)"])
                }
                let took = clock.now - started
                summary.provisionSeconds.append(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
                summary.provisioned += 1
                summary.writes += 1
                logger.info("volume provisioned", metadata: ["pvd.pvc": "\(claim.key)", "pvd.pv": "\(name)", "pvd.path": "\(made.path)"])
                // From now on the backing is data Kubernetes knows of: never an orphan to sweep.
                // A failure here (or a crash before it) is mended by the next `recover`.
                do {
                    try await item.driver.markRecorded(name: name, parameters: params, path: made.path)
                } catch {
                    logger.warning("volume not marked as recorded", metadata: ["pvd.pv": "\(name)", "pvd.error": "\(error.message)"])
                }
            } else {
                // The claim changed meanwhile: the next run provisions again (the driver finds
                // the volume it made for this PV and reuses it) or the sweep removes it. Its
                // events were not written; the next run reports it again.
                summary.conflicts += 1
            }
            _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &summary)
        }
    }
}

extension Reconciler {
    /// `pv`, just provisioned pre-bound to `claim`, and the claim, bound as the binder binds
    /// them (volume synced first, then the claim matched against it alone), with the bind's
    /// events; nil when the binder would not bind them now (the claim changed meanwhile).
    static func bindProvisioned(
        _ pv: PersistentVolume, claim: PersistentVolumeClaim, snapshot: Snapshot
    ) -> (volume: PersistentVolume, claim: PersistentVolumeClaim, events: [BinderEvent])? {
        let context = BinderContext(
            storageClasses: snapshot.classes, nodes: snapshot.nodes, claimsByKey: [claim.key: claim], now: Time.now())
        let binder = Binder()
        let synced = binder.syncVolume(pv, context: context)
        var index = VolumeIndex([synced.volume ?? pv])
        let action = binder.syncClaim(claim, context: context, index: &index)
        guard case .bound(let name) = action.outcome, name == pv.metadata.name,
              let volume = action.volume, let bound = action.claim, bound.phase == .bound else { return nil }
        return (volume, bound, synced.events + action.events)
    }

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
            } else {
                summary.conflicts += 1
            }
        }
    }
}
