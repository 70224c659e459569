import PVDModel
import Testing
@testable import PVDControllers

/// One syncClaim scenario and the decision Kubernetes' controller would take.
struct ClaimCase: Sendable, CustomTestStringConvertible {
    var name: String
    var volumes: [PersistentVolume] = []
    var claim: PersistentVolumeClaim
    var classes: [StorageClass] = []
    var nodes: [Node] = []
    var outcome: ClaimAction.Outcome
    /// (type, reason, message) of the single expected event, or nil for none.
    var event: (EventType, String, String)? = nil
    var testDescription: String { name }
}

let hostpath = makeClass("fast", provisioner: "pvd.io/hostpath")
let wffc = makeClass("local", provisioner: "pvd.io/loop", mode: .waitForFirstConsumer)
let noProvisioner = makeClass("manual", provisioner: BindingRules.noProvisioner)
let selectedN1 = [Annotations.selectedNode: "n1"]
let bindDone = [Annotations.bindCompleted: "yes"]

let claimCases: [ClaimCase] = [
    // Unbound claim, no volumeName.
    ClaimCase(name: "matching volume is bound", volumes: [makePV("pv", 2)], claim: makePVC("c", 1),
              outcome: .bound(volume: "pv"), event: (.normal, "VolumeBound", "Successfully bound to volume pv")),
    ClaimCase(name: "no volume and no class", claim: makePVC("c", 1), outcome: .pending,
              event: (.normal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")),
    ClaimCase(name: "empty class is not replaced by the default", volumes: [makePV("classed", 1, class: "fast")],
              claim: makePVC("c", 1, class: ""), classes: [makeClass("fast", isDefault: true)], outcome: .pending,
              event: (.normal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")),
    ClaimCase(name: "no volume, external provisioner", claim: makePVC("c", 1, class: "fast"), classes: [hostpath],
              outcome: .provision(provisioner: "pvd.io/hostpath"),
              event: (.normal, "ExternalProvisioning",
                      "Waiting for a volume to be created either by the external provisioner 'pvd.io/hostpath' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")),
    ClaimCase(name: "class does not exist", claim: makePVC("c", 1, class: "gold"), outcome: .pending,
              event: (.warning, "ProvisioningFailed", "storageclass.storage.k8s.io \"gold\" not found")),
    ClaimCase(name: "class without provisioner", claim: makePVC("c", 1, class: "manual"), classes: [noProvisioner],
              outcome: .pending,
              event: (.warning, "ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner")),
    ClaimCase(name: "WaitForFirstConsumer leaves a fitting volume alone", volumes: [makePV("pv", 1, class: "local")],
              claim: makePVC("c", 1, class: "local"), classes: [wffc], outcome: .waitForFirstConsumer,
              event: (.normal, "WaitForFirstConsumer", "waiting for first consumer to be created before binding")),
    ClaimCase(name: "WaitForFirstConsumer binds on the selected node", volumes: [
        makePV("on-n2", 1, class: "local", affinityHost: "n2"), makePV("on-n1", 1, class: "local", affinityHost: "n1"),
    ], claim: makePVC("c", 1, class: "local", annotations: selectedN1), classes: [wffc], nodes: [makeNode("n1"), makeNode("n2")],
       outcome: .bound(volume: "on-n1"), event: (.normal, "VolumeBound", "Successfully bound to volume on-n1")),
    ClaimCase(name: "WaitForFirstConsumer, nothing on the selected node: provision", volumes: [
        makePV("on-n2", 1, class: "local", affinityHost: "n2"),
    ], claim: makePVC("c", 1, class: "local", annotations: selectedN1), classes: [wffc], nodes: [makeNode("n1")],
       outcome: .provision(provisioner: "pvd.io/loop"),
       event: (.normal, "ExternalProvisioning",
               "Waiting for a volume to be created either by the external provisioner 'pvd.io/loop' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")),
    ClaimCase(name: "WaitForFirstConsumer still binds a pre-bound volume", volumes: [
        makePV("pre", 1, class: "local", claimRef: ref("c")),
    ], claim: makePVC("c", 1, class: "local"), classes: [wffc], outcome: .bound(volume: "pre"),
       event: (.normal, "VolumeBound", "Successfully bound to volume pre")),
    // Unbound claim naming a volume.
    ClaimCase(name: "named volume missing", claim: makePVC("c", 1, volumeName: "ghost"), outcome: .pending),
    ClaimCase(name: "named volume unclaimed", volumes: [makePV("pv", 1, phase: .released)],
              claim: makePVC("c", 1, volumeName: "pv"), outcome: .bound(volume: "pv"),
              event: (.normal, "VolumeBound", "Successfully bound to volume pv")),
    ClaimCase(name: "named volume too small", volumes: [makePV("pv", 1)], claim: makePVC("c", 2, volumeName: "pv"),
              outcome: .pending, event: (.warning, "VolumeMismatch", "Cannot bind to requested volume \"pv\": requested PV is too small")),
    ClaimCase(name: "named volume of another class", volumes: [makePV("pv", 1, class: "gold")],
              claim: makePVC("c", 1, volumeName: "pv"), outcome: .pending,
              event: (.warning, "VolumeMismatch", "Cannot bind to requested volume \"pv\": storageClassName does not match")),
    ClaimCase(name: "named volume of another volumeMode", volumes: [makePV("pv", 1, volumeMode: .block)],
              claim: makePVC("c", 1, volumeName: "pv"), outcome: .pending,
              event: (.warning, "VolumeMismatch", "Cannot bind to requested volume \"pv\": incompatible volumeMode")),
    ClaimCase(name: "named volume without the modes", volumes: [makePV("pv", 1, [rox])],
              claim: makePVC("c", 1, [rwo], volumeName: "pv"), outcome: .pending,
              event: (.warning, "VolumeMismatch", "Cannot bind to requested volume \"pv\": incompatible accessMode")),
    ClaimCase(name: "named volume being deleted", volumes: [makePV("pv", 1, deleting: true)],
              claim: makePVC("c", 1, volumeName: "pv"), outcome: .pending,
              event: (.warning, "VolumeMismatch", "Cannot bind to requested volume \"pv\": the volume is marked for deletion \"pv\"")),
    ClaimCase(name: "named volume already bound to this claim", volumes: [
        makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c")),
    ], claim: makePVC("c", 1, volumeName: "pv"), outcome: .bound(volume: "pv"),
       event: (.normal, "VolumeBound", "Successfully bound to volume pv")),
    ClaimCase(name: "named volume bound elsewhere", volumes: [
        makePV("pv", 1, phase: .bound, claimRef: ref("other", uid: "uid-other")),
    ], claim: makePVC("c", 1, volumeName: "pv"), outcome: .pending,
       event: (.warning, "FailedBinding", "volume \"pv\" already bound to a different claim.")),
    // Bound claim.
    ClaimCase(name: "bound claim, volume gone", claim: makePVC("c", 1, volumeName: "gone", annotations: bindDone, phase: .bound),
              outcome: .lost, event: (.warning, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")),
    ClaimCase(name: "bound claim, volumeName cleared", claim: makePVC("c", 1, annotations: bindDone, phase: .bound),
              outcome: .lost,
              event: (.warning, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")),
    ClaimCase(name: "bound claim, volume taken by another uid", volumes: [
        makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-previous-c")),
    ], claim: makePVC("c", 1, volumeName: "pv", annotations: bindDone, phase: .bound), outcome: .lost,
       event: (.warning, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly")),
    ClaimCase(name: "Lost claim stays Lost quietly", claim: makePVC("c", 1, volumeName: "gone", annotations: bindDone, phase: .lost),
              outcome: .lost),
]

struct BinderClaimTests {
    func sync(_ c: ClaimCase) -> (ClaimAction, VolumeIndex) {
        var index = VolumeIndex(c.volumes)
        let context = BinderContext(storageClasses: c.classes, nodes: c.nodes)
        return (Binder().syncClaim(c.claim, context: context, index: &index), index)
    }

    /// Kubernetes' very-large-capacity case: sizes past Int64 compare exactly, not saturated.
    @Test(arguments: [("1E", "pv-200e"), ("800E", "pv-800e"), ("950E", nil)] as [(String, String?)])
    func capacitiesPastInt64CompareExactly(_ request: String, _ expected: String?) throws {
        var volumes: [PersistentVolume] = []
        for (name, size) in [("pv-200e", "200E"), ("pv-800e", "800E")] {
            var pv = makePV(name, 1)
            pv.spec.capacity = ["storage": try Quantity(parsing: size)]
            volumes.append(pv)
        }
        var claim = makePVC("c", 1)
        claim.spec.resources = VolumeResourceRequirements(requests: ["storage": try Quantity(parsing: request)])
        let (action, _) = sync(ClaimCase(name: request, volumes: volumes, claim: claim, outcome: .pending))
        if let expected {
            #expect(action.outcome == .bound(volume: expected))
            #expect(action.claim?.status?.capacity?["storage"]?.description == (expected == "pv-200e" ? "200E" : "800E"))
        } else {
            #expect(action.outcome == .pending)
        }
    }

    @Test(arguments: claimCases)
    func decision(_ c: ClaimCase) {
        let (action, _) = sync(c)
        #expect(action.outcome == c.outcome)
        #expect(action.claimKey == "ns/c")
        if let (type, reason, message) = c.event {
            #expect(action.events.count == 1)
            #expect(action.events.first?.type == type)
            #expect(action.events.first?.reason == reason)
            #expect(action.events.first?.message == message)
            #expect(action.events.first?.object.name == "c")
        } else {
            #expect(action.events.isEmpty)
        }
        switch action.outcome {
        case .bound:
            #expect(action.claim?.status?.phase == .bound)
        case .lost:
            #expect(action.claim == nil || action.claim?.status?.phase == .lost)
        default:
            #expect(action.volume == nil)
            #expect(action.claim == nil || action.claim?.status?.phase == .pending)
        }
    }

    @Test func bindWritesWhatKubernetesWrites() throws {
        var claim = makePVC("c", 1, [rwo])
        claim.metadata.resourceVersion = "42"
        var index = VolumeIndex([makePV("pv", 2, [rwo, rox])])
        let action = Binder().syncClaim(claim, context: BinderContext(), index: &index)

        let pv = try #require(action.volume)
        #expect(pv.spec.claimRef == ObjectReference(
            apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "ns", name: "c", uid: "uid-c", resourceVersion: "42"))
        #expect(pv.metadata.annotation(Annotations.boundByController) == "yes")
        #expect(pv.status?.phase == .bound)

        let c = try #require(action.claim)
        #expect(c.spec.volumeName == "pv")
        #expect(c.metadata.annotation(Annotations.bindCompleted) == "yes")
        #expect(c.metadata.annotation(Annotations.boundByController) == "yes")
        #expect(c.status?.phase == .bound)
        #expect(c.status?.capacity?["storage"] == gb(2))
        #expect(c.status?.accessModes == [rwo, rox])

        #expect(index.volume(named: "pv")?.spec.claimRef?.uid == "uid-c")
        #expect(index.freeCount == 0)
    }

    @Test func preBoundVolumeKeepsUserBinding() throws {
        var index = VolumeIndex([makePV("pv", 1, claimRef: ref("c"))])
        let action = Binder().syncClaim(makePVC("c", 1), context: BinderContext(), index: &index)
        let pv = try #require(action.volume)
        #expect(pv.metadata.annotation(Annotations.boundByController) == nil)
        #expect(pv.spec.claimRef?.uid == "uid-c")
        // The controller set the claim's volumeName, so the claim says so.
        #expect(action.claim?.metadata.annotation(Annotations.boundByController) == "yes")
    }

    @Test func claimNamingAVolumeIsUserBound() throws {
        var index = VolumeIndex([makePV("pv", 1)])
        let action = Binder().syncClaim(makePVC("c", 1, volumeName: "pv"), context: BinderContext(), index: &index)
        #expect(try #require(action.claim).metadata.annotation(Annotations.boundByController) == nil)
        #expect(try #require(action.volume).metadata.annotation(Annotations.boundByController) == "yes")
    }

    @Test func consistentBoundClaimIsANoOp() {
        let volume = makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c"))
        var claim = makePVC("c", 1, volumeName: "pv", annotations: bindDone, phase: .bound)
        claim.status?.accessModes = [rwo]
        claim.status?.capacity = ["storage": gb(1)]
        var index = VolumeIndex([volume])
        let action = Binder().syncClaim(claim, context: BinderContext(), index: &index)
        #expect(action.outcome == .bound(volume: "pv"))
        #expect(action.isNoOp)
    }

    @Test func boundClaimWhoseVolumeLostItsClaimRefIsBoundAgain() {
        var index = VolumeIndex([makePV("pv", 1, phase: .available)])
        let claim = makePVC("c", 1, volumeName: "pv", annotations: bindDone, phase: .bound)
        let action = Binder().syncClaim(claim, context: BinderContext(), index: &index)
        #expect(action.outcome == .bound(volume: "pv"))
        #expect(action.volume?.spec.claimRef?.name == "c")
        #expect(action.events.isEmpty)
    }

    @Test func provisioningAnnotatesTheClaim() throws {
        var index = VolumeIndex()
        let action = Binder().syncClaim(
            makePVC("c", 1, class: "fast"), context: BinderContext(storageClasses: [hostpath]), index: &index)
        let c = try #require(action.claim)
        #expect(c.metadata.annotation(Annotations.storageProvisioner) == "pvd.io/hostpath")
        #expect(c.metadata.annotation(Annotations.betaStorageProvisioner) == "pvd.io/hostpath")
        #expect(c.status?.phase == .pending)
    }

    /// Default classes: (classes, volumes, expected class on the claim, expected volume).
    static let defaultCases: [(String, [StorageClass], [PersistentVolume], String?, String?)] = [
        ("single default", [makeClass("fast", isDefault: true)],
         [makePV("plain", 1), makePV("fast-1", 1, class: "fast")], "fast", "fast-1"),
        ("newest default wins", [makeClass("old", isDefault: true, created: 100), makeClass("new", isDefault: true, created: 200)],
         [makePV("old-1", 1, class: "old"), makePV("new-1", 1, class: "new")], "new", "new-1"),
        ("equal times: smaller name", [makeClass("b", isDefault: true, created: 100), makeClass("a", isDefault: true, created: 100)],
         [makePV("a-1", 1, class: "a"), makePV("b-1", 1, class: "b")], "a", "a-1"),
        ("beta default annotation", [makeClass("beta", betaDefault: true)], [makePV("beta-1", 1, class: "beta")], "beta", "beta-1"),
        ("no default: class-less volumes", [makeClass("fast")], [makePV("plain", 1), makePV("fast-1", 1, class: "fast")],
         nil, "plain"),
    ]

    @Test(arguments: defaultCases.indices)
    func unsetClassGetsTheDefault(_ i: Int) {
        let (_, classes, volumes, expectedClass, expectedVolume) = Self.defaultCases[i]
        var index = VolumeIndex(volumes)
        let action = Binder().syncClaim(
            makePVC("c", 1), context: BinderContext(storageClasses: classes), index: &index)
        #expect(action.assignedDefaultClass == expectedClass)
        #expect(action.claim?.spec.storageClassName == expectedClass)
        #expect(action.outcome == expectedVolume.map { .bound(volume: $0) } ?? .pending)
    }

    @Test func defaultAssignedEvenWhenItMustBeProvisioned() throws {
        var index = VolumeIndex()
        let action = Binder().syncClaim(
            makePVC("c", 1), context: BinderContext(storageClasses: [makeClass("fast", isDefault: true)]), index: &index)
        #expect(action.outcome == .provision(provisioner: "pvd.io/hostpath"))
        #expect(try #require(action.claim).spec.storageClassName == "fast")
    }

    @Test func volumeNameBranchDoesNotAssignTheDefault() {
        var index = VolumeIndex([makePV("pv", 1)])
        let action = Binder().syncClaim(
            makePVC("c", 1, volumeName: "pv"),
            context: BinderContext(storageClasses: [makeClass("fast", isDefault: true)]), index: &index)
        #expect(action.outcome == .bound(volume: "pv"))
        #expect(action.claim?.spec.storageClassName == nil)
    }
}
