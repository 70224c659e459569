import Logging
import PVDDrivers
import PVDModel
import PVDStore

/// The event reasons of the publisher, as the kubelet's.
public enum PublisherReason {
    public static let failedMount = "FailedMount"
    /// A volume already in use on the node has another group than the Pod's fsGroup.
    public static let alreadyMountedVolume = "AlreadyMountedVolume"
}

extension Reconciler {
    /// The publisher: makes the claimed volumes of this node's live Pods reachable under
    /// `<root>/pods/<uid>/volumes/<claim>` (see `PodPublishing`), after first removing what
    /// belongs to Pods that are gone or finished, so that a deleted Pod's mounts are gone before
    /// the reclaimer deletes its volume's backing. Runs on every pass: a mount lost to a reboot
    /// is made again, and a pod directory no Pod of this node owns (an orphan) is removed.
    ///
    /// Failures are reported (a Warning `FailedMount` Event on the Pod, a log line) and the
    /// rest of the work goes on; the next pass tries again.
    func publishPods(snapshot: Snapshot, recorder: inout EventRecorder, summary: inout ReconcileSummary) async throws {
        guard let tree = agent.pods else { return }
        let held: PodsLock
        do {
            held = try tree.lock()
        } catch {
            logger.warning("pods lock not taken", metadata: ["pvd.path": "\(tree.podsDir)", "pvd.error": "\(error.message)"])
            return
        }
        defer { withExtendedLifetime(held) {} }
        // The Pods as stored now, not as the pass's snapshot (read before the lock) saw them:
        // another process may have published a Pod created since, which is not an orphan.
        // This node's Pods only, selected as a kubelet selects its own (`spec.nodeName=<node>`).
        let node = agent.nodeName
        let allPods: [Pod]
        do {
            let mine = FieldSelector([.init(field: "spec.nodeName", operator: .equals, value: node)])
            allPods = try await store.list(Pod.self, namespace: nil, selector: nil, fields: mine).items
        } catch {
            logger.warning("pods not listed", metadata: ["pvd.error": "\(error.message)"])
            return
        }
        let live = Set(allPods.filter { PodPublishing.isLive($0) }.compactMap(\.metadata.uid))

        // 1. Orphans: every pod directory whose uid is no live Pod of this node.
        do {
            let orphans = try tree.podUIDs().filter { !live.contains($0) }
            let table = orphans.isEmpty ? [] : try MountTable.entries()
            for uid in orphans {
                do {
                    try tree.unpublish(podUID: uid, mounts: table)
                    summary.unpublished += 1
                    logger.info("pod volumes unpublished", metadata: ["pvd.pod.uid": "\(uid)", "pvd.path": "\(tree.podsDir)/\(uid)"])
                } catch {
                    logger.warning("pod volumes not unpublished", metadata: ["pvd.pod.uid": "\(uid)", "pvd.error": "\(error.message)"])
                }
            }
        } catch {
            logger.warning("pods directory unreadable", metadata: ["pvd.path": "\(tree.podsDir)", "pvd.error": "\(error.message)"])
            return
        }

        // Nothing of this node's left to publish: skip reading the mount table again.
        if live.isEmpty { return }

        // 2. Decide with what is in place now.
        // One read of the mount table serves the pass: each step below changes only its own paths.
        let mounts: [MountInfoEntry]
        let published: [String: Set<String>]
        do {
            mounts = try MountTable.entries()
            published = try tree.published(mounts: mounts)
        } catch {
            logger.warning("pods directory unreadable", metadata: ["pvd.path": "\(tree.podsDir)", "pvd.error": "\(error.message)"])
            return
        }
        // Pods the snapshot has not seen wait for the next pass, which will have their claims too.
        let known = Set(snapshot.pods.compactMap(\.metadata.uid))
        let plan = PodPublishing.plan(
            pods: allPods.filter { known.contains($0.metadata.uid ?? "") }, claims: snapshot.claims, volumes: snapshot.volumes, node: node, published: published,
            onThisNode: { agent.owns($0) || $0.spec.nodeAffinity?.required == nil },
            provisionedByLoop: { $0.metadata.annotation(Annotations.provisionedBy) == "pvd.io/loop" })

        // 3. A live Pod's entries that are no longer wanted (claim gone or refused).
        var wanted: [String: Set<String>] = [:]
        for p in plan.publications { wanted[p.podUID, default: []].insert(p.claimName) }
        for uid in plan.liveUIDs.sorted() {
            for claim in (try? tree.claims(of: uid)) ?? [] where wanted[uid]?.contains(claim) != true {
                do {
                    try tree.unpublish(podUID: uid, claim: claim)
                    summary.unpublished += 1
                    logger.info("pod volume unpublished", metadata: ["pvd.pod.uid": "\(uid)", "pvd.pvc": "\(claim)"])
                } catch {
                    logger.warning("pod volume not unpublished", metadata: ["pvd.pod.uid": "\(uid)", "pvd.pvc": "\(claim)", "pvd.error": "\(error.message)"])
                }
            }
        }

        // 4. Publish; report refusals and failures on the Pod.
        let pods = Dictionary(allPods.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for p in plan.publications {
            let meta: Logger.Metadata = ["pvd.pod": "\(p.podKey)", "pvd.pvc": "\(p.claimName)", "pvd.pv": "\(p.volumeName)"]
            // Published beside another Pod of this node, whose group the volume keeps.
            var joined = false
            do {
                let done = p.block
                    ? PodVolumeTree.Publication(outcome: try tree.publishDevice(
                        podUID: p.podUID, claim: p.claimName, source: p.source, readOnly: p.readOnly, mounts: mounts))
                    : try tree.publishDirectory(podUID: p.podUID, claim: p.claimName, source: p.source, readOnly: p.readOnly,
                                                sourceMustBeMounted: p.sourceMustBeMounted, ownership: p.sharedOnNode ? nil : p.ownership,
                                                mounts: mounts)
                guard done.outcome != .unchanged else { continue }
                summary.published += 1
                var fields: Logger.Metadata = ["pvd.path": "\(tree.path(podUID: p.podUID, claim: p.claimName))", "pvd.readOnly": "\(p.readOnly)"]
                if let report = done.ownership, let group = p.ownership?.group {
                    fields.merge(Self.ownershipMetadata(report, group: group)) { a, _ in a }
                }
                logger.info("pod volume \(done.outcome.rawValue)", metadata: meta.merging(fields) { a, _ in a })
                if let failure = done.ownership?.firstFailure {
                    logger.warning("volume ownership incomplete", metadata: meta.merging(["pvd.error": "\(failure)"]) { a, _ in a })
                }
                if done.outcome == .published, p.sharedOnNode { joined = true }
            } catch {
                guard let pod = pods[p.podKey] else { continue }
                let message = "MountVolume.SetUp failed for volume \"\(p.volumeName)\" : \(error.message)"
                if try await record([BinderEvent(object: pod.reference, type: .warning, reason: PublisherReason.failedMount, message: message)],
                                    recorder: &recorder, now: Time.now(), summary: &summary) > 0 {
                    logger.warning("pod volume not published", metadata: meta.merging(["pvd.error": "\(error.message)"]) { a, _ in a })
                }
            }
            if joined, let wanted = p.ownership, let pod = pods[p.podKey] {
                try await warnSharedGroup(pod: pod, p, wanted: wanted, recorder: &recorder, summary: &summary)
            }
        }
        for r in plan.refusals {
            let event = BinderEvent(object: r.pod, type: .warning, reason: PublisherReason.failedMount, message: r.message)
            // Logged once per run, when the event is new to this recorder.
            if try await record([event], recorder: &recorder, now: Time.now(), summary: &summary) > 0 {
                logger.warning("pod volume refused", metadata: [
                    "pvd.pod": "\(r.pod.namespace ?? "default")/\(r.pod.name ?? "")", "pvd.pvc": "\(r.claimName)", "pvd.reason": "\(r.message)",
                ])
            }
        }
    }

    /// The log fields of a volume's ownership change.
    static func ownershipMetadata(_ report: VolumeOwnership.Report, group: UInt32) -> Logger.Metadata {
        var fields: Logger.Metadata = ["pvd.fsGroup": "\(group)"]
        if report.skipped {
            fields["pvd.ownership"] = "root already matches"
        } else {
            fields["pvd.ownership.visited"] = "\(report.visited)"
            fields["pvd.ownership.changed"] = "\(report.changed)"
            if report.otherMounts > 0 { fields["pvd.ownership.otherMounts"] = "\(report.otherMounts)" }
            if report.failed > 0 { fields["pvd.ownership.failed"] = "\(report.failed)" }
        }
        return fields
    }

    /// A volume another Pod of this node has published keeps its group; a Pod asking for
    /// another fsGroup is told, as the kubelet tells it.
    func warnSharedGroup(
        pod: Pod, _ p: PodPublishing.Publication, wanted: VolumeOwnership, recorder: inout EventRecorder, summary: inout ReconcileSummary
    ) async throws {
        guard let gid = VolumeOwnership.group(of: p.source), gid != wanted.group else { return }
        let message = "The requested fsGroup is \(wanted.group), but the volume \(p.volumeName) has GID \(gid). The volume may not be shareable."
        _ = try await record([BinderEvent(object: pod.reference, type: .warning, reason: PublisherReason.alreadyMountedVolume, message: message)],
                             recorder: &recorder, now: Time.now(), summary: &summary)
    }
}
