import Logging
import PVDDrivers
import PVDModel
import PVDStore

extension Reconciler {
    /// The reclaimer: applies the reclaim policy of each volume whose claim is gone (see
    /// `ReclaimDecision`). Retain leaves it Released with its data. Delete removes the backing,
    /// then the PV (which its pv-protection finalizer keeps Terminating until the next pass's
    /// protection releases it). Recycle empties the volume and makes it Available again.
    ///
    /// A failed delete or recycle leaves the volume Failed with the reason in `status.message`
    /// and a Warning event; the next run tries again, and a success then deletes it or makes it
    /// Available, as Kubernetes retries Failed volumes on every sync. Each volume is worked on at
    /// most once per run (`attempted`). A volume still mounted under `<root>/pods` (unpublishing
    /// failed) is skipped until a later pass finds it gone (`stillPublished`).
    func reclaim(
        snapshot: inout Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary, attempted: inout Set<String>
    ) async throws {
        let provisioners = Set(agent.drivers.keys)
        let nodes = snapshot.nodes.map(\.metadata.name)
        // Marking a volume Failed is a cluster-wide decision; deleting or emptying its data, and
        // the provisioner's finalizer upkeep, are the work of the node that holds it.
        let decides = roles.contains(.cluster), acts = roles.contains(.node)
        if acts { try await keepProvisionerFinalizers(provisioners, snapshot: &snapshot, summary: &summary) }
        let candidates = snapshot.volumes.values.filter {
            $0.phase == .released || $0.phase == .failed || $0.metadata.deletionTimestamp != nil
        }.sorted { $0.metadata.name < $1.metadata.name }
        var mounts: [MountInfoEntry]?
        for pv in candidates {
            let decision = ReclaimDecision.decide(pv, provisioners: provisioners, nodeName: agent.nodeName, nodes: nodes)
            switch decision {
            case .none:
                continue
            case .fail(let reason, let message):
                if decides, try await markFailed(pv, message: message, snapshot: &snapshot, summary: &summary) {
                    try await report(pv, .warning, reason, message, recorder: &recorder, summary: &summary)
                }
                continue
            case .delete, .recycleProvisioned, .recycleHostPath:
                guard acts else { continue }
            }
            guard attempted.insert("reclaim/\(pv.metadata.name)").inserted else { continue }
            // Decide on the volume as stored now, not as the snapshot saw it: someone may have
            // switched it to Retain (or rebound it) while this pass was busy.
            // Gone or changed since: the next pass decides on what is there now. Any other
            // failure to read is the store's, and stops the run like every other store error.
            let current: PersistentVolume
            do {
                current = try await store.get(PersistentVolume.self, namespace: nil, name: pv.metadata.name)
            } catch {
                if error.code == .notFound { continue }
                throw error
            }
            guard current.metadata.resourceVersion == pv.metadata.resourceVersion else { continue }
            if let reason = stillPublished(current, table: &mounts) {
                logger.warning("volume not reclaimed: a Pod still has it", metadata: ["pvd.pv": "\(pv.metadata.name)", "pvd.reason": "\(reason)"])
                continue
            }
            let holding = holdsOthers(current, snapshot: snapshot)
            switch decision {
            case .delete(let provisioner):
                guard let driver = agent.driver(for: provisioner) else { continue }
                try await delete(current, driver: driver, refusal: holding, snapshot: &snapshot, recorder: &recorder, summary: &summary)
            case .recycleProvisioned(let provisioner):
                guard let driver = agent.driver(for: provisioner) else { continue }
                let parameters = ProvisionedVolumeBuilder.parameters(of: current)
                try await recycle(current, snapshot: &snapshot, recorder: &recorder, summary: &summary) { () async throws(DriverError) in
                    if let holding { throw holding }
                    try await driver.recycle(name: current.metadata.name, parameters: parameters)
                }
            case .recycleHostPath(let path):
                guard let driver = agent.driver(for: ReclaimDecision.hostPathProvisioner) as? HostPathDriver else { continue }
                let basePaths = hostPathBasePaths(snapshot)
                try await recycle(current, snapshot: &snapshot, recorder: &recorder, summary: &summary) { () async throws(DriverError) in
                    if let holding { throw holding }
                    try await driver.recycleStatic(path: path, basePaths: basePaths)
                }
            case .none, .fail:
                continue
            }
        }
    }

    /// Every basePath hostPath volumes are made in: the classes' and, for a class since
    /// removed, the one each provisioned volume recorded. A static volume is never recycled there.
    private func hostPathBasePaths(_ snapshot: Snapshot) -> [String] {
        let hostPath = ReclaimDecision.hostPathProvisioner
        var paths = Set(snapshot.classes.filter { $0.provisioner == hostPath }.compactMap { $0.parameters?["basePath"] })
        for pv in snapshot.volumes.values where pv.metadata.annotation(Annotations.provisionedBy) == hostPath {
            if let base = ProvisionedVolumeBuilder.parameters(of: pv)["basePath"] { paths.insert(base) }
        }
        return paths.sorted()
    }

    /// Why volume `pv`'s data may not be deleted or emptied: its path is, or holds, another
    /// volume's path or a class's directory (two PVs on one directory, a class inside a volume).
    /// Lexical, on the store's paths; the drivers refuse tagged volumes they meet inside on disk.
    private func holdsOthers(_ pv: PersistentVolume, snapshot: Snapshot) -> DriverError? {
        guard let path = pv.spec.hostPath?.path ?? pv.spec.local?.path else { return nil }
        let others = agent.reservedPaths(volumes: snapshot.volumes.values, classes: snapshot.classes, excluding: pv.metadata.name)
        let held = PathReservations.held(by: path, among: others)
        guard let first = held.first else { return nil }
        let more = held.count > 1 ? " and \(held.count - 1) more" : ""
        return DriverError(
            .refused,
            "its path \(path) \(PathReservations.relation(of: path, to: first.path)) \(first)\(more); pvd does not delete or empty data another volume or class uses")
    }

    /// Delete: the backing first, then the PV object (unless a user deleted it already); not
    /// the backing at all when `refusal` says why it must stay.
    private func delete(
        _ pv: PersistentVolume, driver: any VolumeDriver, refusal: DriverError?, snapshot: inout Snapshot, recorder: inout EventRecorder,
        summary: inout ReconcileSummary
    ) async throws {
        do throws(DriverError) {
            if let refusal { throw refusal }
            try await driver.delete(name: pv.metadata.name, parameters: ProvisionedVolumeBuilder.parameters(of: pv))
        } catch {
            let message = "failed to delete volume \(pv.metadata.name): \(error.message)"
            logger.warning("volume delete failed", metadata: ["pvd.pv": "\(pv.metadata.name)", "pvd.error": "\(error.message)"])
            _ = try await markFailed(pv, message: message, snapshot: &snapshot, summary: &summary)
            try await report(pv, .warning, ReclaimReason.volumeFailedDelete, message, recorder: &recorder, summary: &summary)
            return
        }
        // One transaction: the backing is gone, so the provisioner's finalizer goes, and the PV is
        // deleted (unless a user did that already); protection removes it once it is not Bound.
        var writes: [StoreWrite] = []
        if pv.metadata.hasFinalizer(Finalizers.provisionerDeletion) {
            var released = pv
            released.metadata.removeFinalizer(Finalizers.provisionerDeletion)
            writes.append(.update(.persistentVolume(released)))
        }
        if pv.metadata.deletionTimestamp == nil {
            writes.append(.delete(kind: .persistentVolume, namespace: nil, name: pv.metadata.name, uid: pv.metadata.uid))
        }
        if writes.isEmpty {
            summary.deleted += 1
        } else if let results = try await tryCommit(writes) {
            snapshot.apply(writes, results: results)
            summary.deleted += 1
            summary.writes += writes.count
        } else {
            summary.conflicts += 1
            return
        }
        logger.info("volume deleted", metadata: ["pvd.pv": "\(pv.metadata.name)"])
    }

    /// Adds and removes the provisioner finalizer as `ReclaimDecision.finalizerUpdate` says.
    private func keepProvisionerFinalizers(
        _ provisioners: Set<String>, snapshot: inout Snapshot, summary: inout ReconcileSummary
    ) async throws {
        var writes: [StoreWrite] = []
        for pv in snapshot.volumes.values {
            if let v = ReclaimDecision.finalizerUpdate(pv, provisioners: provisioners) { writes.append(.update(.persistentVolume(v))) }
        }
        guard !writes.isEmpty else { return }
        WritePlan.sortInStoreOrder(&writes)
        let (done, _, _) = try await commitBatches(writes, snapshot: &snapshot, summary: &summary)
        summary.writes += done
        for case .update(.persistentVolume(let v)) in writes {
            let added = v.metadata.hasFinalizer(Finalizers.provisionerDeletion)
            logger.info(added ? "volume guarded until its backing is deleted" : "volume no longer guarded: policy is not Delete",
                        metadata: ["pvd.pv": "\(v.metadata.name)", "pvd.finalizer": "\(Finalizers.provisionerDeletion)"])
        }
    }

    /// Recycle: empty the volume (`scrub`), then make it Available as Kubernetes' unbindVolume does.
    private func recycle(
        _ pv: PersistentVolume, snapshot: inout Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary,
        scrub: () async throws(DriverError) -> Void
    ) async throws {
        do {
            try await scrub()
        } catch {
            let message = ReclaimReason.recycleFailed(error.message)
            logger.warning("volume recycle failed", metadata: ["pvd.pv": "\(pv.metadata.name)", "pvd.error": "\(error.message)"])
            _ = try await markFailed(pv, message: message, snapshot: &snapshot, summary: &summary)
            try await report(pv, .warning, ReclaimReason.volumeFailedRecycle, message, recorder: &recorder, summary: &summary)
            return
        }
        try await report(pv, .normal, ReclaimReason.volumeRecycled, ReclaimReason.recycled, recorder: &recorder, summary: &summary)
        let write = StoreWrite.update(.persistentVolume(Binder.unbinding(pv, now: Time.now())))
        if let results = try await tryCommit([write]) {
            snapshot.apply([write], results: results)
            summary.recycled += 1
            summary.writes += 1
            logger.info("volume recycled", metadata: ["pvd.pv": "\(pv.metadata.name)"])
        } else {
            summary.conflicts += 1
        }
    }

    /// Marks a volume Failed with `message`; returns whether that changed anything.
    private func markFailed(
        _ pv: PersistentVolume, message: String, snapshot: inout Snapshot, summary: inout ReconcileSummary
    ) async throws -> Bool {
        guard pv.phase != .failed || pv.status?.message != message else { return false }
        var failed = pv
        failed.status = PersistentVolumeStatus(phase: .failed, message: message)
        failed.status?.lastPhaseTransitionTime = Time.now()
        let write = StoreWrite.update(.persistentVolume(failed))
        guard let results = try await tryCommit([write]) else {
            summary.conflicts += 1
            return false
        }
        snapshot.apply([write], results: results)
        summary.writes += 1
        logger.info("volume failed", metadata: ["pvd.pv": "\(pv.metadata.name)", "pvd.message": "\(message)"])
        return true
    }

    /// Records one event about a volume.
    private func report(
        _ pv: PersistentVolume, _ type: EventType, _ reason: String, _ message: String, recorder: inout EventRecorder,
        summary: inout ReconcileSummary
    ) async throws {
        let event = BinderEvent(object: pv.reference, type: type, reason: reason, message: message)
        _ = try await record([event], recorder: &recorder, now: Time.now(), summary: &summary)
    }
}
