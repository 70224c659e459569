import PVDDrivers
import PVDModel

/// The publisher's decisions, pure over values: which claimed volumes of this node's Pods to
/// make reachable under `<root>/pods/<uid>/volumes/<claim>`, which Pods' directories must go,
/// and which requests to refuse (with the Warning the kubelet would record).
///
/// A Pod counts while it is *live*: it names a node, is not being deleted (or is, but the pod
/// runtime's finalizer says containers may still run on its volumes), and its phase is neither
/// Succeeded nor Failed. Access modes are enforced as Kubernetes does: ReadWriteOncePod admits one live
/// Pod in the cluster, ReadWriteOnce (without ReadWriteMany or ReadOnlyMany) one node. A Pod or a
/// node that already has the volume keeps it; otherwise the oldest live Pod decides.
public enum PodPublishing {
    /// One volume to make reachable for one Pod.
    public struct Publication: Sendable, Hashable {
        public var podKey: String
        public var podUID: String
        public var claimName: String
        public var volumeName: String
        /// The volume's directory (Filesystem) or device (Block) on this node.
        public var source: String
        public var readOnly: Bool
        public var block: Bool
        /// The source is a mount pvd made (a loop volume): it must be mounted before it is published.
        public var sourceMustBeMounted: Bool
        /// The Pod's fsGroup, for a volume whose ownership the kubelet manages (a writable
        /// `local` Filesystem volume; never `hostPath`, whose files are the node's).
        public var ownership: VolumeOwnership? = nil
        /// Another live Pod of this node has the volume published: as the kubelet does, its
        /// ownership is not changed again under that Pod (a differing group is only reported).
        public var sharedOnNode = false
    }

    /// A Pod's volume that is not published, and why, in the kubelet's words.
    public struct Refusal: Sendable, Hashable {
        public var pod: ObjectReference
        public var claimName: String
        public var message: String
    }

    public struct Plan: Sendable {
        /// The uids of this node's live Pods: their directories stay.
        public var liveUIDs: Set<String> = []
        public var publications: [Publication] = []
        public var refusals: [Refusal] = []
    }

    /// Whether a Pod still uses its volumes.
    public static func isLive(_ pod: Pod) -> Bool {
        guard let node = pod.spec.nodeName, !node.isEmpty else { return false }
        if pod.metadata.deletionTimestamp != nil && !(pod.metadata.finalizers ?? []).contains(Finalizers.podRuntime) { return false }
        let phase = pod.status?.phase
        return phase != "Succeeded" && phase != "Failed"
    }

    /// The plan for `node`.
    /// - Parameters:
    ///   - published: what is in place on disk now, by pod uid: the claim names published.
    ///   - onThisNode: whether a volume lives on this node (its node affinity names it, or it has none).
    ///   - provisionedByLoop: whether a volume is a pvd loop volume (its directory is a mount of pvd's).
    public static func plan(
        pods: [Pod], claims: [String: PersistentVolumeClaim], volumes: [String: PersistentVolume], node: String,
        published: [String: Set<String>], onThisNode: (PersistentVolume) -> Bool, provisionedByLoop: (PersistentVolume) -> Bool
    ) -> Plan {
        var plan = Plan()
        let live = pods.filter(isLive).sorted(by: older)
        // Every live user of each claim, oldest first, across all nodes.
        var users: [String: [Pod]] = [:]
        for pod in live {
            for name in Set(pod.claimNames) { users["\(pod.metadata.namespace ?? "default")/\(name)", default: []].append(pod) }
        }
        for pod in live where pod.spec.nodeName == node {
            guard let uid = pod.metadata.uid else { continue }
            plan.liveUIDs.insert(uid)
            let ns = pod.metadata.namespace ?? "default"
            var seen: Set<String> = []
            for volume in pod.spec.volumes ?? [] {
                guard let source = volume.persistentVolumeClaim, seen.insert(source.claimName).inserted else { continue }
                func refuse(_ message: String) {
                    plan.refusals.append(Refusal(pod: pod.reference, claimName: source.claimName, message: message))
                }
                let claimKey = "\(ns)/\(source.claimName)"
                guard let claim = claims[claimKey] else {
                    refuse("Unable to attach or mount volumes: unmounted volumes=[\(volume.name)]: error processing PVC \(claimKey): "
                           + "persistentvolumeclaim \"\(source.claimName)\" not found")
                    continue
                }
                // A claim still being bound or provisioned is waited for, as the kubelet waits.
                guard claim.phase == .bound, let pvName = claim.spec.volumeName, let pv = volumes[pvName],
                      pv.spec.claimRef?.uid == claim.metadata.uid else { continue }
                guard onThisNode(pv) else {
                    refuse("MountVolume.NodeAffinity check failed for volume \"\(pvName)\" : no matching NodeSelectorTerms "
                           + "(the volume is on another node than \(node))")
                    continue
                }
                guard let path = pv.spec.hostPath?.path ?? pv.spec.local?.path else {
                    refuse("MountVolume.SetUp failed for volume \"\(pvName)\" : pvd publishes hostPath and local volumes only")
                    continue
                }
                let modes = Set(claim.spec.accessModes ?? [])
                let others = (users[claimKey] ?? []).filter { $0.metadata.uid != uid }
                if modes.contains(.readWriteOncePod) {
                    let holder = others.first { published[$0.metadata.uid ?? ""]?.contains(source.claimName) == true && $0.spec.nodeName == node }
                        ?? ((published[uid]?.contains(source.claimName) == true) ? nil : others.first { older($0, pod) })
                    if let holder {
                        refuse("Unable to attach or mount volumes: unmounted volumes=[\(volume.name)]: PersistentVolumeClaim \"\(claimKey)\" "
                               + "with ReadWriteOncePod access mode already in-use by another pod (\(holder.key))")
                        continue
                    }
                } else if modes.contains(.readWriteOnce) && !modes.contains(.readWriteMany) && !modes.contains(.readOnlyMany) {
                    let here = (users[claimKey] ?? []).contains {
                        $0.spec.nodeName == node && published[$0.metadata.uid ?? ""]?.contains(source.claimName) == true
                    }
                    let elsewhere = others.filter { $0.spec.nodeName != node }
                    if !here, let first = elsewhere.first, older(first, pod) {
                        refuse("Multi-Attach error for volume \"\(pvName)\" Volume is already used by pod(s) \(first.metadata.name) "
                               + "on node \(first.spec.nodeName ?? "")")
                        continue
                    }
                }
                let security = pod.spec.securityContext
                let managed = pv.spec.local != nil && pv.volumeMode != .block && source.readOnly != true
                plan.publications.append(Publication(
                    podKey: pod.key, podUID: uid, claimName: source.claimName, volumeName: pvName, source: path,
                    readOnly: source.readOnly == true, block: pv.volumeMode == .block,
                    sourceMustBeMounted: pv.volumeMode != .block && provisionedByLoop(pv),
                    ownership: managed ? VolumeOwnership(fsGroup: security?.fsGroup, changePolicy: security?.fsGroupChangePolicy) : nil,
                    sharedOnNode: others.contains { $0.spec.nodeName == node && published[$0.metadata.uid ?? ""]?.contains(source.claimName) == true }))
            }
        }
        return plan
    }

    /// Oldest first (creationTimestamp), then by namespace/name: the order in which live Pods
    /// claim a volume when none has it yet.
    static func older(_ a: Pod, _ b: Pod) -> Bool {
        let x = a.metadata.creationTimestamp?.seconds ?? 0, y = b.metadata.creationTimestamp?.seconds ?? 0
        return x != y ? x < y : a.key < b.key
    }
}
