import PVDModel
import Testing
@testable import PVDControllers

private let hostPath = "pvd.io/hostpath"
private let loop = "pvd.io/loop"

/// A volume whose claim ns/c (uid-c) is gone.
private func released(
    _ policy: ReclaimPolicy, phase: VolumePhase = .released, provisioner: String? = nil, host: String? = nil,
    path: String? = "/srv/pv", local: Bool = false, uid: String? = "uid-c", deleting: Bool = false
) -> PersistentVolume {
    var pv = makePV("pv", 1, phase: phase, claimRef: ref("c", uid: uid), affinityHost: host, deleting: deleting,
                    annotations: provisioner.map { [Annotations.provisionedBy: $0] }, reclaim: policy)
    if local {
        pv.spec.local = LocalVolumeSource(path: path ?? "/mnt/x")
    } else if let path {
        pv.spec.hostPath = HostPathVolumeSource(path: path)
    }
    return pv
}

private func guarded(_ pv: PersistentVolume) -> PersistentVolume {
    var v = pv
    v.metadata.finalizers = [Finalizers.pvProtection, Finalizers.provisionerDeletion]
    return v
}

struct ReclaimCase: CustomTestStringConvertible, Sendable {
    var name: String
    var volume: PersistentVolume
    var provisioners: Set<String> = [hostPath, loop]
    /// The registered Nodes; this node is n1.
    var nodes: [String] = ["n1"]
    var decision: ReclaimDecision
    var testDescription: String { name }
}

/// What a static hostPath volume without node affinity gets while n1 and n2 share the store.
private let sharedMessage = "Recycle failed: /srv/pv may be on any of the nodes n1, n2; "
    + "give the volume a nodeAffinity naming the node that holds it, and that node recycles it"

let reclaimCases: [ReclaimCase] = [
    ReclaimCase(name: "Retain keeps it", volume: released(.retain), decision: .none),
    ReclaimCase(name: "Retain, provisioned", volume: released(.retain, provisioner: hostPath, host: "n1"), decision: .none),
    ReclaimCase(name: "Bound is not reclaimed", volume: released(.delete, phase: .bound, provisioner: hostPath, host: "n1"), decision: .none),
    ReclaimCase(name: "Available is not reclaimed", volume: released(.recycle, phase: .available), decision: .none),
    ReclaimCase(name: "a user's pre-binding (no uid) is no release", volume: released(.recycle, uid: nil), decision: .none),
    ReclaimCase(name: "Delete, being deleted: the backing still goes", volume: released(.delete, provisioner: hostPath, host: "n1", deleting: true),
                decision: .delete(provisioner: hostPath)),
    ReclaimCase(name: "Recycle, being deleted", volume: released(.recycle, deleting: true), decision: .none),
    ReclaimCase(name: "deleted by a user while Available, held by the provisioner finalizer",
                volume: guarded(released(.delete, phase: .available, provisioner: loop, host: "n1", uid: nil, deleting: true)),
                decision: .delete(provisioner: loop)),
    ReclaimCase(name: "deleted by a user while Bound: waits for the release",
                volume: guarded(released(.delete, phase: .bound, provisioner: loop, host: "n1", deleting: true)), decision: .none),
    ReclaimCase(name: "deleted while Available, no provisioner finalizer",
                volume: released(.delete, phase: .available, provisioner: loop, host: "n1", uid: nil, deleting: true), decision: .none),
    ReclaimCase(name: "Delete, provisioned here", volume: released(.delete, provisioner: hostPath, host: "n1"),
                decision: .delete(provisioner: hostPath)),
    ReclaimCase(name: "Delete, Failed earlier: tried again", volume: released(.delete, phase: .failed, provisioner: loop, host: "n1"),
                decision: .delete(provisioner: loop)),
    ReclaimCase(name: "Delete, another node's", volume: released(.delete, provisioner: hostPath, host: "n2"), decision: .none),
    ReclaimCase(name: "Delete, a driver this node lacks", volume: released(.delete, provisioner: loop, host: "n1"),
                provisioners: [hostPath], decision: .none),
    ReclaimCase(name: "Delete, static: nothing can delete it", volume: released(.delete),
                decision: .fail(reason: "VolumeFailedDelete", message: "error getting deleter volume plugin for volume \"pv\": no deletable volume plugin matched")),
    ReclaimCase(name: "Recycle, provisioned here", volume: released(.recycle, provisioner: loop, host: "n1"),
                decision: .recycleProvisioned(provisioner: loop)),
    ReclaimCase(name: "Recycle, Failed earlier: tried again", volume: released(.recycle, phase: .failed, provisioner: hostPath, host: "n1"),
                decision: .recycleProvisioned(provisioner: hostPath)),
    ReclaimCase(name: "Recycle, provisioned on another node", volume: released(.recycle, provisioner: hostPath, host: "n2"), decision: .none),
    ReclaimCase(name: "Recycle, static hostPath", volume: released(.recycle), decision: .recycleHostPath(path: "/srv/pv")),
    ReclaimCase(name: "Recycle, static hostPath pinned here", volume: released(.recycle, host: "n1"), decision: .recycleHostPath(path: "/srv/pv")),
    ReclaimCase(name: "Recycle, static hostPath pinned elsewhere", volume: released(.recycle, host: "n2"), decision: .none),
    ReclaimCase(name: "Recycle, static hostPath, no hostPath driver", volume: released(.recycle), provisioners: [loop], decision: .none),
    ReclaimCase(name: "Recycle, static hostPath, this node not registered yet and no other",
                volume: released(.recycle), nodes: [], decision: .recycleHostPath(path: "/srv/pv")),
    ReclaimCase(name: "Recycle, static hostPath, no affinity, other nodes share the store", volume: released(.recycle),
                nodes: ["n2", "n1"], decision: .fail(reason: "VolumeFailedRecycle", message: sharedMessage)),
    ReclaimCase(name: "Recycle, static hostPath, no affinity, Failed before: still Failed", volume: released(.recycle, phase: .failed),
                nodes: ["n1", "n2"], decision: .fail(reason: "VolumeFailedRecycle", message: sharedMessage)),
    ReclaimCase(name: "Recycle, static hostPath, no affinity, another node only", volume: released(.recycle),
                nodes: ["n2"], decision: .fail(reason: "VolumeFailedRecycle", message: sharedMessage)),
    ReclaimCase(name: "Recycle, static hostPath, no affinity, other nodes, no hostPath driver here", volume: released(.recycle),
                provisioners: [loop], nodes: ["n1", "n2"], decision: .none),
    ReclaimCase(name: "Recycle, static hostPath pinned here, other nodes", volume: released(.recycle, host: "n1"),
                nodes: ["n1", "n2"], decision: .recycleHostPath(path: "/srv/pv")),
    ReclaimCase(name: "Recycle, static hostPath pinned elsewhere, other nodes", volume: released(.recycle, host: "n2"),
                nodes: ["n1", "n2"], decision: .none),
    ReclaimCase(name: "Recycle, static hostPath pinned elsewhere, the only node", volume: released(.recycle, host: "n2"),
                decision: .none),
    ReclaimCase(name: "Recycle, provisioned here, other nodes", volume: released(.recycle, provisioner: loop, host: "n1"),
                nodes: ["n1", "n2"], decision: .recycleProvisioned(provisioner: loop)),
    ReclaimCase(name: "Recycle, static local volume: no recycler", volume: released(.recycle, local: true),
                decision: .fail(reason: "VolumeFailedRecycle", message: "No recycler plugin found for the volume!")),
    ReclaimCase(name: "unknown policy", volume: released(ReclaimPolicy(rawValue: "Shred")),
                decision: .fail(reason: "VolumeUnknownReclaimPolicy", message: "Volume has unrecognized PersistentVolumeReclaimPolicy")),
]

struct ReclaimDecisionTests {
    @Test(arguments: reclaimCases)
    func decision(_ c: ReclaimCase) {
        #expect(ReclaimDecision.decide(c.volume, provisioners: c.provisioners, nodeName: "n1", nodes: c.nodes) == c.decision)
    }

    @Test(arguments: [
        // (policy, provisioner, has the finalizer, deleting) → has it afterwards (nil: no write)
        (ReclaimPolicy.delete, hostPath as String?, false, false, true as Bool?),
        (.delete, hostPath, true, false, nil),
        (.delete, hostPath, false, true, nil),
        (.delete, "example.com/other", false, false, nil),
        (.delete, nil, false, false, nil),
        (.retain, hostPath, true, false, false),
        (.recycle, loop, true, true, false),
        (.retain, hostPath, false, false, nil),
    ])
    func provisionerFinalizerUpkeep(_ policy: ReclaimPolicy, _ provisioner: String?, _ has: Bool, _ deleting: Bool, _ after: Bool?) {
        var pv = released(policy, phase: .bound, provisioner: provisioner, host: "n1", deleting: deleting)
        if has { pv.metadata.finalizers = [Finalizers.provisionerDeletion] }
        let update = ReclaimDecision.finalizerUpdate(pv, provisioners: [hostPath, loop])
        #expect(update?.metadata.hasFinalizer(Finalizers.provisionerDeletion) == after)
    }

    @Test func recycledVolumeBoundByTheControllerIsFreeForAnyClaim() {
        var pv = released(.recycle, phase: .failed)
        pv.metadata.setAnnotation(Annotations.boundByController, "yes")
        pv.status?.message = "Recycle failed: busy"
        let free = Binder.unbinding(pv, now: Time(seconds: 9))
        #expect(free.spec.claimRef == nil)
        #expect(free.metadata.annotation(Annotations.boundByController) == nil)
        #expect(free.status?.phase == .available)
        #expect(free.status?.message == nil)
    }

    @Test func recycledVolumePreBoundByAUserWaitsForThatClaim() {
        let free = Binder.unbinding(released(.recycle), now: Time(seconds: 9))
        #expect(free.spec.claimRef?.name == "c")
        #expect(free.spec.claimRef?.uid == nil)
        #expect(free.status?.phase == .available)
    }
}
