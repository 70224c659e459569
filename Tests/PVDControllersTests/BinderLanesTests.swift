import PVDModel
import Testing
@testable import PVDControllers

/// Deciding a batch in lanes, one per (class, volume mode), must give exactly what one pass in
/// queue order gives: the same actions, in the same order.
struct BinderLanesTests {
    private let hosts = ["n0", "n1", "n2"]

    private var context: BinderContext { context(withDefault: true) }

    private func context(withDefault: Bool) -> BinderContext {
        BinderContext(
            storageClasses: [
                makeClass("fast", provisioner: BindingRules.noProvisioner, isDefault: withDefault),
                makeClass("slow", provisioner: "pvd.io/hostpath"),
                makeClass("local", provisioner: "pvd.io/loop", mode: .waitForFirstConsumer),
            ],
            nodes: hosts.map(makeNode), now: Time(seconds: 5_000))
    }

    /// Volumes and unbound claims of several classes (one of them the default, one binding
    /// WaitForFirstConsumer, one missing, some given by the beta annotation), both volume modes,
    /// selectors and selected nodes; volumes that are not free (Released, Pending, being deleted,
    /// pre-bound to a claim outside the batch) among them.
    private func workload(seed: UInt64, claims claimCount: Int) -> ([PersistentVolume], [PersistentVolumeClaim]) {
        var rng = SplitMix64(state: seed)
        let classes: [String?] = ["fast", "slow", "local", "", nil, "missing"]
        let modeSets: [[AccessMode]] = [[rwo], [rwo, rox], [rwx], [rox], [rwop]]
        let beta = BindingRules.betaStorageClassAnnotation
        var volumes: [PersistentVolume] = []
        for i in 0..<(claimCount * 4 / 3) {
            let roll = Int.random(in: 0..<20, using: &rng)
            let cls = ["fast", "slow", "local", ""].randomElement(using: &rng) ?? ""
            // One in ten names its class only by the beta annotation (and a different, ignored
            // storageClassName).
            let byAnnotation = Int.random(in: 0..<10, using: &rng) == 0
            volumes.append(makePV(
                "pv-\(i)", Int64.random(in: 1...20, using: &rng), modeSets.randomElement(using: &rng) ?? [rwo],
                class: byAnnotation ? "slow" : cls, phase: roll == 0 ? .released : roll == 1 ? .pending : .available,
                volumeMode: Int.random(in: 0..<8, using: &rng) == 0 ? .block : nil,
                claimRef: roll == 2 ? ref("elsewhere-\(i)") : nil,
                labels: ["zone": "z\(Int.random(in: 0..<3, using: &rng))"],
                affinityHost: Int.random(in: 0..<3, using: &rng) == 0 ? hosts.randomElement(using: &rng) : nil,
                deleting: roll == 3, annotations: byAnnotation ? [beta: cls] : nil))
        }
        var claims: [PersistentVolumeClaim] = []
        for i in 0..<claimCount {
            let selector = Int.random(in: 0..<8, using: &rng) == 0
                ? LabelSelector(matchLabels: ["zone": "z\(Int.random(in: 0..<3, using: &rng))"]) : nil
            var annotations: [String: String] = [:]
            if Int.random(in: 0..<2, using: &rng) == 0 { annotations[Annotations.selectedNode] = hosts.randomElement(using: &rng) }
            if Int.random(in: 0..<10, using: &rng) == 0 { annotations[beta] = ["fast", "local", ""].randomElement(using: &rng) }
            claims.append(makePVC(
                "claim-\(i)", Int64.random(in: 1...20, using: &rng), modeSets.randomElement(using: &rng) ?? [rwo],
                class: classes.randomElement(using: &rng) ?? nil, selector: selector,
                volumeMode: Int.random(in: 0..<8, using: &rng) == 0 ? .block : nil,
                annotations: annotations.isEmpty ? nil : annotations, created: Int64.random(in: 0..<50, using: &rng)))
        }
        return (volumes, claims)
    }

    private func decide(
        _ volumes: [PersistentVolume], _ claims: [PersistentVolumeClaim], laneThreshold: Int, withDefault: Bool = true
    ) async -> [ClaimAction] {
        await Binder().matchAll(
            claims: claims, volumes: volumes, context: context(withDefault: withDefault), laneThreshold: laneThreshold)
    }

    @Test(arguments: [(UInt64(1), true), (2, true), (3, false), (4, false)])
    func lanesDecideAsOnePassDoes(seed: UInt64, withDefault: Bool) async throws {
        let (volumes, claims) = workload(seed: seed, claims: 3_000)
        let context = context(withDefault: withDefault)
        let split = try #require(Binder.lanes(claims, order: Array(claims.indices), volumes: volumes, context: context))
        #expect(split.lanes.count > 4)
        #expect(split.lanes.map(\.count).reduce(0, +) == claims.count)

        var index = VolumeIndex(volumes)
        let onePass = Binder().matchAll(claims: claims, context: context, index: &index)
        let inLanes = await decide(volumes, claims, laneThreshold: 0, withDefault: withDefault)
        #expect(inLanes.count == claims.count)
        #expect(onePass.filter { if case .bound = $0.outcome { true } else { false } }.count > 1_000)
        let differing = zip(onePass, inLanes).filter { $0 != $1 }.map(\.0.claimKey)
        #expect(differing.isEmpty, "\(differing.count) actions differ, first: \(differing.prefix(5))")
    }

    @Test func aBatchWithABoundNamingOrPreBoundClaimOrARepeatedVolumeIsNotSplit() async {
        let (volumes, claims) = workload(seed: 9, claims: 200)
        let order = Array(claims.indices)
        #expect(Binder.lanes(claims, order: order, volumes: volumes, context: context) != nil)

        var naming = claims
        naming[17].spec.volumeName = "pv-3"
        #expect(Binder.lanes(naming, order: order, volumes: volumes, context: context) == nil)

        var bound = claims
        bound[40].metadata.setAnnotation(Annotations.bindCompleted, "yes")
        #expect(Binder.lanes(bound, order: order, volumes: volumes, context: context) == nil)

        var preBound = volumes
        preBound[5].spec.claimRef = ref("claim-99")
        #expect(Binder.lanes(claims, order: order, volumes: preBound, context: context) == nil)

        // Only the later of two volumes of one name counts, in an index.
        var repeated = volumes
        var replaced = volumes[0]
        replaced.status = PersistentVolumeStatus(phase: .released)
        repeated.append(replaced)
        #expect(Binder.lanes(claims, order: order, volumes: repeated, context: context) == nil)

        // A second claim of one name would find the claimRef the first one's bind wrote.
        var twice = claims
        twice.append(claims[0])
        #expect(Binder.lanes(twice, order: Array(twice.indices), volumes: volumes, context: context) == nil)
    }
}
