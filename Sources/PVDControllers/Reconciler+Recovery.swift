import Logging
import PVDDrivers
import PVDModel
import PVDStore

/// Event reasons of recovery.
public enum RecoveryReason {
    /// Normal, on a PV: its volume was made ready again (attached, mounted, linked).
    public static let volumeRecovered = "VolumeRecovered"
    /// Warning, on a PV: its backing (image, directory) is gone; pvd does not recreate it empty.
    public static let volumeMissing = "VolumeMissing"
    /// Warning, on a PV: the volume is there but could not be made ready.
    public static let volumeRecoveryFailed = "VolumeRecoveryFailed"
    /// Normal, on this node's Node: a half-provisioned backing nothing wanted was removed.
    public static let orphanedVolumeRemoved = "OrphanedVolumeRemoved"
    /// Warning, on a StorageClass: its directory could not be looked through for leftovers.
    public static let orphanSweepSkipped = "OrphanSweepSkipped"
    /// Warning, on this node's Node: a backing that had a PV (it carries the recorded mark) has
    /// none in the store now. Kept, never removed by pvd.
    public static let recordedVolumeWithoutPV = "RecordedVolumeWithoutPV"
}

/// What one recovery did.
public struct RecoverySummary: Sendable {
    /// Volumes of this node that were looked at.
    public var checked = 0
    public var recovered = 0
    public var missing = 0
    public var failed = 0
    public var orphansRemoved = 0
    /// Backings of this node whose PV was recorded once and is not in the store now (kept).
    public var withoutPV: [String] = []
    /// Seconds the drivers spent on each volume looked at, in order.
    public var volumeSeconds: [Double] = []
    public init() {}
}

extension Reconciler {
    /// Brings this node back to what the store says it owns, as the daemon must do once at its
    /// start (and `runOnce` does before its first pass): every PV provisioned by one of this
    /// node's drivers and pinned to this node is handed to its driver's `recover`, which
    /// re-attaches and re-mounts loop images (Block: attaches and restores the device link) and
    /// reports hostPath directories or images that are gone (never recreated empty). Then
    /// half-provisioned leftovers are swept (`sweepOrphans`). Every action is logged and recorded
    /// as an Event: on the PV, and for removed leftovers on this node's Node.
    public func recover() async throws -> RecoverySummary {
        var summary = RecoverySummary()
        guard !agent.drivers.isEmpty else { return summary }
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        var events: [BinderEvent] = []
        for (provisioner, driver) in agent.drivers.sorted(by: { $0.key < $1.key }) {
            let mine = volumes.filter { $0.metadata.annotation(Annotations.provisionedBy) == provisioner && agent.owns($0) }
            guard !mine.isEmpty else { continue }
            let requests = mine.map { pv in
                RecoveryRequest(
                    name: pv.metadata.name, parameters: ProvisionedVolumeBuilder.parameters(of: pv), volumeMode: pv.volumeMode,
                    mountOptions: pv.spec.mountOptions ?? [], fsType: pv.spec.local?.fsType)
            }
            let results = await driver.recover(requests)
            for (pv, result) in zip(mine, results) {
                summary.checked += 1
                summary.volumeSeconds.append(result.seconds)
                if let event = note(result, of: pv, summary: &summary) { events.append(event) }
            }
        }
        let (removed, skipped) = try await sweepOrphans()
        events += skipped
        summary.orphansRemoved = removed.count
        summary.withoutPV = try await recordedWithoutPV()
        if !removed.isEmpty || !summary.withoutPV.isEmpty {
            let node = try? await store.get(Node.self, namespace: nil, name: agent.nodeName)
            let ref = node?.reference ?? ObjectReference(apiVersion: "v1", kind: "Node", name: agent.nodeName)
            for name in summary.withoutPV {
                events.append(BinderEvent(
                    object: ref, type: .warning, reason: RecoveryReason.recordedVolumeWithoutPV,
                    message: "Volume \(name) on this node had a PersistentVolume, which is not in the store now; pvd keeps its data and does not remove it (re-create the PersistentVolume, or remove the volume by hand)"))
            }
            for name in removed {
                events.append(BinderEvent(
                    object: ref, type: .normal, reason: RecoveryReason.orphanedVolumeRemoved,
                    message: "Removed volume \(name): made on this node, never recorded as a PersistentVolume, and no claim wants it (unchanged for at least \(orphanGrace.components.seconds)s)"))
            }
        }
        if !events.isEmpty {
            var recorder = EventRecorder(existing: try await store.list(Event.self, namespace: nil, selector: nil).items)
            var recorded = ReconcileSummary()
            _ = try await record(events, recorder: &recorder, now: Time.now(), summary: &recorded)
        }
        return summary
    }

    /// Logs one volume's recovery and returns the Event to record for it (none when it was ready).
    private func note(_ result: RecoveryResult, of pv: PersistentVolume, summary: inout RecoverySummary) -> BinderEvent? {
        let meta: Logger.Metadata = ["pvd.pv": "\(pv.metadata.name)"]
        switch result.outcome {
        case .ready:
            return nil
        case .recovered(let what):
            summary.recovered += 1
            logger.info("volume recovered", metadata: meta.merging(["pvd.did": "\(what)"]) { $1 })
            return BinderEvent(object: pv.reference, type: .normal, reason: RecoveryReason.volumeRecovered, message: "Recovered volume \(pv.metadata.name): \(what)")
        case .missing(let what):
            summary.missing += 1
            logger.warning("volume missing", metadata: meta.merging(["pvd.error": "\(what)"]) { $1 })
            return BinderEvent(
                object: pv.reference, type: .warning, reason: RecoveryReason.volumeMissing,
                message: "Volume \(pv.metadata.name) is gone from this node: \(what); pvd does not recreate it empty (restore it, or delete the PersistentVolume)")
        case .failed(let why):
            summary.failed += 1
            logger.warning("volume recovery failed", metadata: meta.merging(["pvd.error": "\(why)"]) { $1 })
            return BinderEvent(object: pv.reference, type: .warning, reason: RecoveryReason.volumeRecoveryFailed, message: "Failed to recover: \(why)")
        }
    }

    /// Where a provisioner's backings live: its defaults (`[:]`) and the parameters of each of
    /// its classes, each set once.
    static func parameterSets(of provisioner: String, classes: [StorageClass]) -> [[String: String]] {
        var sets: [[String: String]] = [[:]]
        for sc in classes where sc.provisioner == provisioner {
            let p = sc.parameters ?? [:]
            if !sets.contains(p) { sets.append(p) }
        }
        return sets
    }

    /// The backings of this node that carry the recorded mark but whose PV no longer is in the
    /// store, each logged as a warning: writes lost with the store's log, a store restored from
    /// an older copy, a Retain PV deleted. Never removed here (or by the sweep): the data may be
    /// wanted. The backings are listed before the PVs are read, so a volume another process
    /// records meanwhile is not reported.
    func recordedWithoutPV() async throws -> [String] {
        guard !agent.drivers.isEmpty else { return [] }
        let classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
        var found: [String] = []
        for (provisioner, driver) in agent.drivers.sorted(by: { $0.key < $1.key }) {
            do {
                found += try driver.recordedVolumes(parameterSets: Self.parameterSets(of: provisioner, classes: classes))
            } catch {
                logger.warning("recorded volumes not listed", metadata: ["pvd.provisioner": "\(provisioner)", "pvd.error": "\(error.message)"])
            }
        }
        guard !found.isEmpty else { return [] }
        let names = Set(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.map(\.metadata.name))
        let missing = Array(Set(found).subtracting(names)).sorted()
        for name in missing {
            logger.warning("volume has no PersistentVolume in the store; kept", metadata: ["pvd.pv": "\(name)", "pvd.node": "\(agent.nodeName)"])
        }
        return missing
    }

    /// Removes, driver by driver, backings that provably never had a PV (the driver's recorded
    /// mark is missing, see `VolumeDriver.markRecorded`), made since this node was registered in
    /// the store, left unchanged for `orphanGrace`, that no PV (by name or path) and no waiting
    /// claim wants (see `OrphanRules`). Each driver asks the store what is wanted while it holds its node-wide
    /// lock, so a volume another pvd process is provisioning right now (it holds the same lock
    /// until the backing is whole, and its claim waits until the PV is recorded) is never taken
    /// for a leftover. A class whose directory cannot be looked through (its basePath became a
    /// symlink) is skipped with a Warning event on it, and the other classes are still swept.
    /// Returns the names removed and those events.
    public func sweepOrphans() async throws -> (removed: [String], skipped: [BinderEvent]) {
        guard !agent.drivers.isEmpty else { return ([], []) }
        // Only what was made since this store first recorded this node can be a leftover of it:
        // a store that was replaced or lost would otherwise make every volume here look like one.
        guard let registered = try? await store.get(Node.self, namespace: nil, name: agent.nodeName).metadata.creationTimestamp else {
            logger.info("orphan sweep skipped: this node is not registered in the store yet", metadata: ["pvd.node": "\(agent.nodeName)"])
            return ([], [])
        }
        let classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
        var removed: [String] = []
        var skipped: [BinderEvent] = []
        for (provisioner, driver) in agent.drivers.sorted(by: { $0.key < $1.key }) {
            let sets = Self.parameterSets(of: provisioner, classes: classes)
            let store = self.store, node = agent.nodeName, logger = self.logger
            let wanted: @Sendable () async -> KeptBackings? = {
                do {
                    // Claims before volumes: a claim deleted after this read still counts, and a
                    // volume recorded for a claim after it (its backing made before we took the
                    // lock) is in the second read.
                    let claims = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
                    let pvs = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
                    let classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
                    return OrphanRules.wanted(volumes: pvs, claims: claims, classes: classes, provisioner: provisioner, node: node)
                } catch {
                    logger.warning("orphan sweep skipped: store unreadable", metadata: ["pvd.error": "\(error)"])
                    return nil
                }
            }
            do {
                let gone = try await driver.removeOrphans(
                    parameterSets: sets, grace: orphanGrace, madeAfter: Double(registered.seconds), wanted: wanted)
                for name in gone.removed { logger.notice("orphaned volume removed", metadata: ["pvd.pv": "\(name)", "pvd.node": "\(node)"]) }
                removed += gone.removed
                for skip in gone.skipped {
                    let owners = classes.filter { $0.provisioner == provisioner && ($0.parameters ?? [:]) == skip.parameters }
                    logger.warning("orphan sweep skipped a class", metadata: [
                        "pvd.provisioner": "\(provisioner)", "pvd.storageclass": "\(owners.map(\.metadata.name).joined(separator: ","))",
                        "pvd.error": "\(skip.reason)"])
                    for sc in owners {
                        skipped.append(BinderEvent(
                            object: sc.reference, type: .warning, reason: RecoveryReason.orphanSweepSkipped,
                            message: "Leftovers of this class were not looked for: \(skip.reason)"))
                    }
                }
            } catch {
                logger.warning("orphan sweep failed", metadata: ["pvd.provisioner": "\(provisioner)", "pvd.error": "\(error.message)"])
            }
        }
        return (removed, skipped)
    }
}

/// Which backings are still wanted, so an orphan sweep leaves them alone.
public enum OrphanRules {
    /// The names of every PV (of any node or provisioner: a name is never reused), and the
    /// `pvc-<uid>` of every claim not being deleted that is bound to that name, or still waits
    /// for a volume this node would provision with `provisioner` (its class is that
    /// provisioner's, or cannot be told, and no other node is selected for it); and the path of
    /// every PV (`hostPath.path`, `local.path`), so a static PV of any name pointing at a
    /// backing keeps it.
    public static func wanted(
        volumes: [PersistentVolume], claims: [PersistentVolumeClaim], classes: [StorageClass], provisioner: String, node: String
    ) -> KeptBackings {
        var names = Set(volumes.map(\.metadata.name))
        var paths: Set<String> = []
        for pv in volumes {
            if let p = pv.spec.hostPath?.path { paths.insert(p) }
            if let p = pv.spec.local?.path { paths.insert(p) }
        }
        var byName: [String: StorageClass] = [:]
        for c in classes { byName[c.metadata.name] = c }
        let fallback = BindingRules.defaultClass(among: classes)
        for claim in claims where claim.metadata.deletionTimestamp == nil {
            guard let name = ProvisionedVolumeBuilder.volumeName(for: claim) else { continue }
            if let bound = claim.spec.volumeName, !bound.isEmpty {
                if bound == name { names.insert(name) }
                continue
            }
            if let selected = claim.metadata.annotation(Annotations.selectedNode), selected != node { continue }
            let sc: StorageClass?
            if let className = claim.spec.storageClassName {
                if className.isEmpty { continue }  // "": no class, never provisioned
                sc = byName[className]
            } else {
                sc = fallback
            }
            // A class that is gone cannot be told from one of ours: keep what may be its data.
            if sc == nil || sc?.provisioner == provisioner { names.insert(name) }
        }
        return KeptBackings(names: names, paths: paths)
    }
}
