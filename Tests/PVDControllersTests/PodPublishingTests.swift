import PVDDrivers
import PVDModel
import Testing
@testable import PVDControllers

/// The publisher's decisions over plain values: which Pods of this node get which volumes,
/// which directories stay, and the refusals access modes and node affinity call for.
struct PodPublishingTests {
    /// A Pod in "ns" with uid "uid-<name>", using `claims` (readOnly for the names in `readOnly`).
    static func pod(
        _ name: String, node: String? = "n1", claims: [String] = ["data"], readOnly: Set<String> = [], created: Int64 = 100,
        phase: String? = nil, deleting: Bool = false
    ) -> Pod {
        var p = Pod(name: name, namespace: "ns", spec: PodSpec(nodeName: node, volumes: claims.map {
            PodVolume(name: "v-\($0)", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: $0, readOnly: readOnly.contains($0) ? true : nil))
        }))
        p.metadata.uid = "uid-\(name)"
        p.metadata.creationTimestamp = Time(seconds: created)
        if let phase { p.status = PodStatus(phase: phase) }
        if deleting { p.metadata.deletionTimestamp = Time(seconds: 500) }
        return p
    }

    /// A claim "ns/<name>" Bound to "pv-<name>", and that volume, on `host` (nil: no affinity), hostPath `/srv/<name>`.
    static func bound(
        _ name: String, _ modes: [AccessMode] = [rwo], host: String? = "n1", block: Bool = false
    ) -> (PersistentVolumeClaim, PersistentVolume) {
        let c = makePVC(name, 1, modes, volumeName: "pv-\(name)", phase: .bound)
        var v = makePV("pv-\(name)", 1, modes, phase: .bound, volumeMode: block ? .block : nil,
                       claimRef: ref(name, uid: "uid-\(name)"), affinityHost: host)
        v.spec.hostPath = HostPathVolumeSource(path: "/srv/\(name)")
        return (c, v)
    }

    static func plan(
        _ pods: [Pod], _ bindings: [(PersistentVolumeClaim, PersistentVolume)], node: String = "n1",
        published: [String: Set<String>] = [:]
    ) -> PodPublishing.Plan {
        var claims: [String: PersistentVolumeClaim] = [:], volumes: [String: PersistentVolume] = [:]
        for (c, v) in bindings { claims[c.key] = c; volumes[v.metadata.name] = v }
        let agent = NodeAgent(nodeName: node)
        return PodPublishing.plan(
            pods: pods, claims: claims, volumes: volumes, node: node, published: published,
            onThisNode: { agent.owns($0) || $0.spec.nodeAffinity?.required == nil }, provisionedByLoop: { _ in false })
    }

    @Test func aLivePodOfThisNodeGetsItsVolume() {
        let p = Self.plan([Self.pod("app", readOnly: ["data"])], [Self.bound("data")])
        #expect(p.liveUIDs == ["uid-app"])
        let pub = p.publications.first
        #expect(p.publications.count == 1 && p.refusals.isEmpty)
        #expect(pub?.claimName == "data" && pub?.volumeName == "pv-data" && pub?.source == "/srv/data")
        #expect(pub?.readOnly == true && pub?.block == false)
    }

    struct Liveness: Sendable, CustomTestStringConvertible {
        var name: String
        var pod: Pod
        var live: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Liveness(name: "running", pod: pod("a"), live: true),
        Liveness(name: "Pending phase", pod: pod("a", phase: "Pending"), live: true),
        Liveness(name: "Succeeded", pod: pod("a", phase: "Succeeded"), live: false),
        Liveness(name: "Failed", pod: pod("a", phase: "Failed"), live: false),
        Liveness(name: "being deleted", pod: pod("a", deleting: true), live: false),
        Liveness(name: "other node", pod: pod("a", node: "n2"), live: true),
        Liveness(name: "no node", pod: pod("a", node: nil), live: false),
    ])
    func onlyLivePodsOfThisNodeKeepDirectories(_ c: Liveness) {
        #expect(PodPublishing.isLive(c.pod) == c.live)
        let p = Self.plan([c.pod], [Self.bound("data")])
        let here = c.live && c.pod.spec.nodeName == "n1"
        #expect(p.liveUIDs == (here ? ["uid-a"] : []))
        #expect(p.publications.count == (here ? 1 : 0))
    }

    @Test func unboundOrMissingClaims() {
        var (pending, _) = Self.bound("data")
        pending.status = PersistentVolumeClaimStatus(phase: .pending)
        pending.spec.volumeName = nil
        let waiting = Self.plan([Self.pod("app")], [(pending, Self.bound("other").1)])
        #expect(waiting.publications.isEmpty && waiting.refusals.isEmpty, "a claim being bound is waited for quietly")
        let missing = Self.plan([Self.pod("app", claims: ["gone"])], [])
        #expect(missing.refusals.first?.message.contains("persistentvolumeclaim \"gone\" not found") == true)
        #expect(missing.liveUIDs == ["uid-app"])
    }

    @Test func aVolumeOnAnotherNodeIsRefused() {
        let p = Self.plan([Self.pod("app")], [Self.bound("data", host: "n2")])
        #expect(p.publications.isEmpty)
        #expect(p.refusals.first?.message.hasPrefix("MountVolume.NodeAffinity check failed for volume \"pv-data\"") == true)
        // No affinity: a hostPath PV is wherever the Pod is.
        #expect(Self.plan([Self.pod("app")], [Self.bound("data", host: nil)]).publications.count == 1)
    }

    struct ModeCase: Sendable, CustomTestStringConvertible {
        var name: String
        var modes: [AccessMode]
        var pods: [Pod]
        var published: [String: Set<String>]
        /// Pods published, by name.
        var expected: Set<String>
        var refusalMentions: String?
        var testDescription: String { name }
    }

    @Test(arguments: [
        ModeCase(name: "RWOP: the oldest of two wins", modes: [rwop],
                 pods: [pod("young", created: 200), pod("old", created: 100)], published: [:],
                 expected: ["old"], refusalMentions: "ReadWriteOncePod access mode already in-use by another pod (ns/old)"),
        ModeCase(name: "RWOP: the one holding it keeps it, even if younger", modes: [rwop],
                 pods: [pod("young", created: 200), pod("old", created: 100)], published: ["uid-young": ["data"]],
                 expected: ["young"], refusalMentions: "in-use by another pod (ns/young)"),
        ModeCase(name: "RWOP: an older Pod on another node wins", modes: [rwop],
                 pods: [pod("here", created: 200), pod("there", node: "n2", created: 100)], published: [:],
                 expected: [], refusalMentions: "(ns/there)"),
        ModeCase(name: "RWOP: a finished Pod no longer holds it", modes: [rwop],
                 pods: [pod("young", created: 200), pod("old", created: 100, phase: "Succeeded")], published: [:],
                 expected: ["young"], refusalMentions: nil),
        ModeCase(name: "RWO: two Pods on one node share it", modes: [rwo],
                 pods: [pod("a", created: 100), pod("b", created: 200)], published: [:],
                 expected: ["a", "b"], refusalMentions: nil),
        ModeCase(name: "RWO: an older Pod on another node has the volume", modes: [rwo],
                 pods: [pod("here", created: 200), pod("there", node: "n2", created: 100)], published: [:],
                 expected: [], refusalMentions: "Multi-Attach error for volume \"pv-data\" Volume is already used by pod(s) there"),
        ModeCase(name: "RWO: this node already has it", modes: [rwo],
                 pods: [pod("here", created: 200), pod("there", node: "n2", created: 100)], published: ["uid-here": ["data"]],
                 expected: ["here"], refusalMentions: nil),
        ModeCase(name: "RWO: a younger Pod elsewhere does not stop this node", modes: [rwo],
                 pods: [pod("here", created: 100), pod("there", node: "n2", created: 200)], published: [:],
                 expected: ["here"], refusalMentions: nil),
        ModeCase(name: "RWX: any node", modes: [rwo, rwx],
                 pods: [pod("here", created: 200), pod("there", node: "n2", created: 100)], published: [:],
                 expected: ["here"], refusalMentions: nil),
    ])
    func accessModes(_ c: ModeCase) {
        let p = Self.plan(c.pods, [Self.bound("data", c.modes)], published: c.published)
        #expect(Set(p.publications.map { String($0.podKey.dropFirst(3)) }) == c.expected)
        if let mention = c.refusalMentions {
            #expect(p.refusals.count == 1)
            #expect(p.refusals.first?.message.contains(mention) == true, "\(p.refusals)")
        } else {
            #expect(p.refusals.isEmpty, "\(p.refusals)")
        }
    }

    @Test func blockVolumesAndLoopMounts() {
        let (c, v) = Self.bound("raw", block: true)
        let p = Self.plan([Self.pod("app", claims: ["raw"])], [(c, v)])
        #expect(p.publications.first?.block == true)
        #expect(p.publications.first?.sourceMustBeMounted == false)
    }

    /// A claim Bound to a `local` volume (what the loop provisioner makes), or to a hostPath one.
    static func boundLocal(_ name: String, _ modes: [AccessMode] = [rwo], block: Bool = false) -> (PersistentVolumeClaim, PersistentVolume) {
        var (c, v) = bound(name, modes, block: block)
        v.spec.hostPath = nil
        v.spec.local = LocalVolumeSource(path: "/srv/\(name)", fsType: block ? nil : "ext4")
        return (c, v)
    }

    static func withFSGroup(_ pod: Pod, _ group: Int64 = 2000, policy: String? = nil) -> Pod {
        var p = pod
        p.spec.securityContext = PodSecurityContext(fsGroup: group, fsGroupChangePolicy: policy)
        return p
    }

    struct OwnershipCase: Sendable, CustomTestStringConvertible {
        var name: String
        var pod: Pod
        var binding: (PersistentVolumeClaim, PersistentVolume)
        var expected: VolumeOwnership?
        var testDescription: String { name }
    }

    /// The kubelet manages ownership of writable `local` Filesystem volumes only.
    @Test(arguments: [
        OwnershipCase(name: "local with fsGroup", pod: withFSGroup(pod("app")), binding: boundLocal("data"),
                      expected: VolumeOwnership(group: 2000)),
        OwnershipCase(name: "OnRootMismatch", pod: withFSGroup(pod("app"), 7, policy: "OnRootMismatch"), binding: boundLocal("data"),
                      expected: VolumeOwnership(group: 7, policy: .onRootMismatch)),
        OwnershipCase(name: "no fsGroup", pod: pod("app"), binding: boundLocal("data"), expected: nil),
        OwnershipCase(name: "hostPath", pod: withFSGroup(pod("app")), binding: bound("data"), expected: nil),
        OwnershipCase(name: "read-only claim source", pod: withFSGroup(pod("app", readOnly: ["data"])), binding: boundLocal("data"), expected: nil),
        OwnershipCase(name: "Block", pod: withFSGroup(pod("app")), binding: boundLocal("data", block: true), expected: nil),
    ])
    func ownershipIsForWritableLocalFilesystems(_ c: OwnershipCase) {
        let p = Self.plan([c.pod], [c.binding])
        #expect(p.publications.count == 1)
        #expect(p.publications.first?.ownership == c.expected)
        #expect(p.publications.first?.sharedOnNode == false)
    }

    /// A volume another live Pod of this node has published is not walked again under it.
    @Test func aVolumeInUseOnThisNodeIsShared() {
        let first = Self.withFSGroup(Self.pod("first", created: 10))
        let second = Self.withFSGroup(Self.pod("second", created: 20), 3000)
        let elsewhere = Self.withFSGroup(Self.pod("elsewhere", node: "n2", created: 5))
        let p = Self.plan([first, second, elsewhere], [Self.boundLocal("data", [rwx])], published: ["uid-first": ["data"], "uid-elsewhere": ["data"]])
        let byPod = Dictionary(uniqueKeysWithValues: p.publications.map { ($0.podUID, $0) })
        #expect(byPod["uid-first"]?.sharedOnNode == false)
        #expect(byPod["uid-second"]?.sharedOnNode == true)
        #expect(byPod["uid-second"]?.ownership?.group == 3000)
    }
}
