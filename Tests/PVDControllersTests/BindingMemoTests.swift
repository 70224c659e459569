import Foundation
import Logging
import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

/// The binder's memo of decisions that wrote nothing, the world stamp it stands on, and the
/// focus a run takes from its keys: plain values, then a real store where skipping a claim
/// must never cost it a volume that appeared.
struct BindingMemoTests {
    private func claim(_ name: String, rv: String) -> PersistentVolumeClaim {
        var c = makePVC(name, 5)
        c.metadata.resourceVersion = rv
        return c
    }

    private func volume(_ name: String, rv: String, claimRef: ObjectReference? = nil) -> PersistentVolume {
        var v = makePV(name, 10, claimRef: claimRef)
        v.metadata.resourceVersion = rv
        return v
    }

    private func world(_ volumes: [PersistentVolume], classes: [StorageClass] = []) -> BindingWorld? {
        BindingWorld(volumes: Dictionary(uniqueKeysWithValues: volumes.map { ($0.metadata.name, $0) }), classes: classes, nodes: [])
    }

    /// What changing the volumes does to the stamp: any create, update or delete moves it.
    @Test(arguments: [
        ("a volume created", [("a", "5")], [("a", "5"), ("b", "9")], false),
        ("a volume updated", [("a", "5"), ("b", "6")], [("a", "5"), ("b", "9")], false),
        ("a volume deleted", [("a", "5"), ("b", "6")], [("a", "5")], false),
        ("the newest deleted, another made", [("a", "5"), ("b", "6")], [("a", "5"), ("c", "7")], false),
        ("nothing", [("a", "5"), ("b", "6")], [("a", "5"), ("b", "6")], true),
    ])
    func theWorldStampMovesWithAnyVolumeChange(what: String, before: [(String, String)], after: [(String, String)], same: Bool) {
        let a = world(before.map { volume($0.0, rv: $0.1) })
        let b = world(after.map { volume($0.0, rv: $0.1) })
        #expect(a != nil && b != nil)
        #expect((a == b) == same, "\(what)")
    }

    @Test func aResourceVersionThatIsNoRevisionGivesNoStamp() {
        #expect(world([volume("a", rv: "not-a-number")]) == nil)
    }

    @Test func aPendingDecisionHoldsWhileTheClaimAndTheWorldStandAndForAMinuteAtMost() {
        let c = claim("data", rv: "3")
        let w = world([volume("small", rv: "4")])
        var memo = BindingMemo()
        let kept = memo.record(ClaimAction(claimKey: "ns/data", outcome: .pending), claim: c, world: w, volumes: [:], changed: [], now: 100)
        #expect(kept)
        #expect(memo.holds(c, key: "ns/data", world: w, volumes: [:], changed: [], now: 100 + EventRecorder.repeatInterval - 1))
        #expect(!memo.holds(c, key: "ns/data", world: w, volumes: [:], changed: [], now: 100 + EventRecorder.repeatInterval))
        #expect(!memo.holds(claim("data", rv: "8"), key: "ns/data", world: w, volumes: [:], changed: [], now: 101))
        #expect(!memo.holds(c, key: "ns/data", world: world([volume("small", rv: "4"), volume("new", rv: "9")]), volumes: [:], changed: [], now: 101))
        #expect(!memo.holds(c, key: "ns/data", world: nil, volumes: [:], changed: [], now: 101))
    }

    @Test func aBoundDecisionHoldsWhileTheClaimAndItsVolumeStand() {
        let c = claim("data", rv: "3")
        let v = volume("pv-1", rv: "4", claimRef: ref("data", uid: "uid-data"))
        var memo = BindingMemo()
        let volumes = ["pv-1": v]
        let kept = memo.record(ClaimAction(claimKey: "ns/data", outcome: .bound(volume: "pv-1")), claim: c, world: nil, volumes: volumes, changed: [], now: 100)
        #expect(kept)
        // The world does not matter to a bound claim: other volumes come and go.
        #expect(memo.holds(c, key: "ns/data", world: nil, volumes: volumes, changed: [], now: 101))
        #expect(!memo.holds(c, key: "ns/data", world: nil, volumes: ["pv-1": volume("pv-1", rv: "12")], changed: [], now: 101))
        #expect(!memo.holds(c, key: "ns/data", world: nil, volumes: volumes, changed: ["pv-1"], now: 101))
        #expect(!memo.holds(c, key: "ns/data", world: nil, volumes: [:], changed: [], now: 101))
    }

    @Test func aDecisionThatWritesIsForgotten() {
        let c = claim("data", rv: "3")
        let w = world([])
        var memo = BindingMemo()
        memo.record(ClaimAction(claimKey: "ns/data", outcome: .pending), claim: c, world: w, volumes: [:], changed: [], now: 100)
        let writing = ClaimAction(claimKey: "ns/data", outcome: .provision(provisioner: "pvd.io/hostpath"), claim: c)
        let keptWriting = memo.record(writing, claim: c, world: w, volumes: [:], changed: [], now: 100)
        #expect(!keptWriting)
        #expect(!memo.holds(c, key: "ns/data", world: w, volumes: [:], changed: [], now: 100))
        let keptLost = memo.record(ClaimAction(claimKey: "ns/data", outcome: .lost), claim: c, world: w, volumes: [:], changed: [], now: 100)
        #expect(!keptLost)
    }

    @Test func pruningDropsTheEntriesOfClaimsThatAreGone() {
        var memo = BindingMemo()
        let w = world([])
        for name in ["a", "b", "c"] {
            memo.record(ClaimAction(claimKey: "ns/\(name)", outcome: .pending), claim: claim(name, rv: "3"), world: w, volumes: [:], changed: [], now: 1)
        }
        memo.prune(keeping: ["ns/b": claim("b", rv: "3")])
        #expect(Array(memo.entries.keys) == ["ns/b"])
    }

    /// The focus a run's keys give: claims by key, a volume and the claim it points at; any
    /// other key, or a volume no longer known, means everything.
    @Test func aRunsFocusComesFromItsKeys() {
        let known = ["pv-1": volume("pv-1", rv: "4", claimRef: ref("data", uid: "uid-data"))]
        let focus = SnapshotFocus(keys: [Informer.key(.persistentVolumeClaim, "ns/web"), Informer.key(.persistentVolume, "pv-1")], volumes: known)
        #expect(focus?.claims == ["ns/web", "ns/data"])
        #expect(focus?.volumes == ["pv-1"])
        #expect(SnapshotFocus(keys: [Informer.key(.persistentVolumeClaim, "ns/web"), Informer.key(.pod, "ns/p")], volumes: known) == nil)
        #expect(SnapshotFocus(keys: [Informer.resyncKey], volumes: known) == nil)
        #expect(SnapshotFocus(keys: [Informer.key(.persistentVolume, "pv-gone")], volumes: known) == nil)
    }

    @Test func aSnapshotInFocusOffersOnlyWhatItNamesAndWhatItsPassesWrote() {
        var s = Snapshot()
        s.claims = ["ns/a": claim("a", rv: "3"), "ns/b": claim("b", rv: "3")]
        s.volumes = ["pv-1": volume("pv-1", rv: "4")]
        #expect(s.claimsInFocus.count == 2)
        s.focus = SnapshotFocus(keys: [Informer.key(.persistentVolumeClaim, "ns/a")], volumes: s.volumes)
        #expect(Array(s.claimsInFocus.keys) == ["ns/a"])
        #expect(s.volumesInFocus.isEmpty)
        s.apply([.update(.persistentVolumeClaim(claim("b", rv: "3")))], results: [.persistentVolumeClaim(claim("b", rv: "9"))])
        #expect(Set(s.claimsInFocus.keys) == ["ns/a", "ns/b"])
    }

    /// Over a real store with one reconciler, whose memo outlives its runs: a claim that found
    /// nothing is skipped while nothing changes, and binds as soon as a volume for it appears.
    @Test func aSkippedClaimStillTakesAVolumeThatAppears() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-memo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/state.db")
        var logger = Logger(label: "pvd.test")
        logger.logLevel = .warning
        let reconciler = Reconciler(store: store, node: "node-a", logger: logger)
        for i in 0..<50 {
            _ = try await store.create(PersistentVolumeClaim(name: "c\(i)", namespace: "ns", spec: PersistentVolumeClaimSpec(
                accessModes: [rwo], request: gb(1), storageClassName: "")))
        }
        let first = try await reconciler.runOnce()
        #expect(first.bound == 0)
        #expect(first.decided >= 50)
        // Nothing changed: every claim's decision stands and none is decided again.
        let quiet = try await reconciler.runOnce()
        #expect(quiet.decided == 0, "\(quiet)")
        _ = try await store.create(PersistentVolume(name: "pv-new", spec: PersistentVolumeSpec(
            capacity: gb(2), accessModes: [rwo], storageClassName: "")))
        let after = try await reconciler.runOnce()
        #expect(after.bound == 1, "\(after)")
        let bound = try await store.list(PersistentVolumeClaim.self, namespace: "ns", selector: nil).items.filter { $0.phase == .bound }
        #expect(bound.map(\.spec.volumeName) == ["pv-new"])
    }
}
