import PVDModel
import Testing
@testable import PVDControllers

/// One syncVolume scenario: a volume, the claims around it, and what should happen.
struct VolumeCase: Sendable, CustomTestStringConvertible {
    var name: String
    var volume: PersistentVolume
    var claims: [PersistentVolumeClaim] = []
    var outcome: VolumeAction.Outcome
    /// The phase written, or nil when nothing is written.
    var writtenPhase: VolumePhase?
    var testDescription: String { name }
}

let boundClaim = makePVC("c", 1, volumeName: "pv", annotations: bindDone, phase: .bound)
let controllerBound = [Annotations.boundByController: "yes"]

let volumeCases: [VolumeCase] = [
    VolumeCase(name: "new volume becomes Available", volume: makePV("pv", 1, phase: .pending),
               outcome: .available, writtenPhase: .available),
    VolumeCase(name: "volume without status becomes Available", volume: makePV("pv", 1, phase: nil),
               outcome: .available, writtenPhase: .available),
    VolumeCase(name: "Available stays, nothing written", volume: makePV("pv", 1), outcome: .available),
    VolumeCase(name: "Released without claimRef becomes Available", volume: makePV("pv", 1, phase: .released),
               outcome: .available, writtenPhase: .available),
    VolumeCase(name: "pre-bound without uid is Available", volume: makePV("pv", 1, phase: .pending, claimRef: ref("c")),
               outcome: .available, writtenPhase: .available),
    VolumeCase(name: "claim gone: Released", volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c")),
               outcome: .released, writtenPhase: .released),
    VolumeCase(name: "claim recreated with a new uid: Released",
               volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-old")), claims: [boundClaim],
               outcome: .released, writtenPhase: .released),
    VolumeCase(name: "already Released stays", volume: makePV("pv", 1, phase: .released, claimRef: ref("c", uid: "uid-c")),
               outcome: .released),
    VolumeCase(name: "Failed stays Failed", volume: makePV("pv", 1, phase: .failed, claimRef: ref("c", uid: "uid-c")),
               outcome: .unchanged),
    VolumeCase(name: "claim bound to it: Bound", volume: makePV("pv", 1, phase: .available, claimRef: ref("c", uid: "uid-c")),
               claims: [boundClaim], outcome: .bound, writtenPhase: .bound),
    VolumeCase(name: "claim bound to it, already Bound", volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c")),
               claims: [boundClaim], outcome: .bound),
    VolumeCase(name: "claim not bound yet: its sync finishes", volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c")),
               claims: [makePVC("c", 1)], outcome: .waitingForClaim(claimKey: "ns/c")),
    VolumeCase(name: "claim bound elsewhere, controller binding undone",
               volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c"), annotations: controllerBound),
               claims: [makePVC("c", 1, volumeName: "other", annotations: bindDone, phase: .bound)],
               outcome: .unbound, writtenPhase: .available),
    VolumeCase(name: "claim bound elsewhere, user pre-binding kept without uid",
               volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c")),
               claims: [makePVC("c", 1, volumeName: "other", annotations: bindDone, phase: .bound)],
               outcome: .unbound, writtenPhase: .available),
    VolumeCase(name: "provisioned for a claim bound elsewhere: Released",
               volume: makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c"),
                              annotations: [Annotations.provisionedBy: "pvd.io/hostpath"], reclaim: .delete),
               claims: [makePVC("c", 1, volumeName: "other", annotations: bindDone, phase: .bound)],
               outcome: .released, writtenPhase: .released),
]

struct BinderVolumeTests {
    @Test(arguments: volumeCases)
    func decision(_ c: VolumeCase) {
        let action = Binder().syncVolume(c.volume, context: BinderContext(claims: c.claims, now: Time(seconds: 5_000)))
        #expect(action.outcome == c.outcome)
        #expect(action.volume?.status?.phase == c.writtenPhase)
        if let written = action.volume {
            #expect(written.status?.lastPhaseTransitionTime == Time(seconds: 5_000))
        }
    }

    @Test func undoingAControllerBindingClearsClaimRefAndAnnotation() throws {
        let volume = makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c"), annotations: controllerBound)
        let claims = [makePVC("c", 1, volumeName: "other", annotations: bindDone, phase: .bound)]
        let pv = try #require(Binder().syncVolume(volume, context: BinderContext(claims: claims)).volume)
        #expect(pv.spec.claimRef == nil)
        #expect(pv.metadata.annotations == nil)
    }

    @Test func undoingAUserBindingKeepsTheReservation() throws {
        let volume = makePV("pv", 1, phase: .bound, claimRef: ref("c", uid: "uid-c"))
        let claims = [makePVC("c", 1, volumeName: "other", annotations: bindDone, phase: .bound)]
        let pv = try #require(Binder().syncVolume(volume, context: BinderContext(claims: claims)).volume)
        #expect(pv.spec.claimRef?.name == "c")
        #expect(pv.spec.claimRef?.uid == nil)
    }

    @Test func volumeModeMismatchIsReportedOnBoth() {
        let volume = makePV("pv", 1, phase: .bound, volumeMode: .block, claimRef: ref("c", uid: "uid-c"))
        let action = Binder().syncVolume(volume, context: BinderContext(claims: [makePVC("c", 1)]))
        #expect(action.outcome == .unchanged)
        #expect(action.events.map(\.reason) == ["VolumeMismatch", "VolumeMismatch"])
        #expect(action.events.map(\.object.kind) == ["PersistentVolume", "PersistentVolumeClaim"])
        #expect(action.events.first?.message
            == "Cannot bind PersistentVolume to requested PersistentVolumeClaim \"c\" due to incompatible volumeMode.")
    }
}
