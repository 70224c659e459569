import PVDModel
import Testing
@testable import PVDControllers

/// Deciding a batch in lanes, one per (class, volume mode), must give exactly what one pass in
/// queue order gives: the same actions in the same order, and the same index afterwards.
struct BinderLanesTests {
    private let hosts = ["n0", "n1", "n2"]

    private var context: BinderContext {
        BinderContext(
            storageClasses: [
                makeClass("fast", provisioner: BindingRules.noProvisioner, isDefault: true),
                makeClass("slow", provisioner: "pvd.io/hostpath"),
                makeClass("local", provisioner: "pvd.io/loop", mode: .waitForFirstConsumer),
            ],
            nodes: hosts.map(makeNode), now: Time(seconds: 5_000))
    }

    /// Volumes and unbound claims of several classes (one of them the default, one binding
    /// WaitForFirstConsumer, one missing), both volume modes, selectors and selected nodes.
    private func workload(seed: UInt64, claims claimCount: Int) -> ([PersistentVolume], [PersistentVolumeClaim]) {
        var rng = SplitMix64(state: seed)
        let classes: [String?] = ["fast", "slow", "local", "", nil, "missing"]
        let modeSets: [[AccessMode]] = [[rwo], [rwo, rox], [rwx], [rox], [rwop]]
        var volumes: [PersistentVolume] = []
        for i in 0..<(claimCount * 4 / 3) {
            volumes.append(makePV(
                "pv-\(i)", Int64.random(in: 1...20, using: &rng), modeSets.randomElement(using: &rng) ?? [rwo],
                class: ["fast", "slow", "local", ""].randomElement(using: &rng),
                volumeMode: Int.random(in: 0..<8, using: &rng) == 0 ? .block : nil,
                labels: ["zone": "z\(Int.random(in: 0..<3, using: &rng))"],
                affinityHost: Int.random(in: 0..<3, using: &rng) == 0 ? hosts.randomElement(using: &rng) : nil))
        }
        var claims: [PersistentVolumeClaim] = []
        for i in 0..<claimCount {
            let selector = Int.random(in: 0..<8, using: &rng) == 0
                ? LabelSelector(matchLabels: ["zone": "z\(Int.random(in: 0..<3, using: &rng))"]) : nil
            let node = Int.random(in: 0..<2, using: &rng) == 0 ? hosts.randomElement(using: &rng) : nil
            claims.append(makePVC(
                "claim-\(i)", Int64.random(in: 1...20, using: &rng), modeSets.randomElement(using: &rng) ?? [rwo],
                class: classes.randomElement(using: &rng) ?? nil, selector: selector,
                volumeMode: Int.random(in: 0..<8, using: &rng) == 0 ? .block : nil,
                annotations: node.map { [Annotations.selectedNode: $0] }, created: Int64.random(in: 0..<50, using: &rng)))
        }
        return (volumes, claims)
    }

    private func decide(
        _ volumes: [PersistentVolume], _ claims: [PersistentVolumeClaim], laneThreshold: Int
    ) async -> [ClaimAction] {
        await Binder().matchAll(claims: claims, volumes: volumes, context: context, laneThreshold: laneThreshold)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func lanesDecideAsOnePassDoes(seed: UInt64) async throws {
        let (volumes, claims) = workload(seed: seed, claims: 3_000)
        let split = try #require(Binder.lanes(claims, order: Array(claims.indices), volumes: volumes, context: context))
        #expect(split.lanes.count > 4)
        #expect(split.lanes.map(\.count).reduce(0, +) == claims.count)

        var index = VolumeIndex(volumes)
        let onePass = Binder().matchAll(claims: claims, context: context, index: &index)
        let inLanes = await decide(volumes, claims, laneThreshold: 0)
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

        // The later of two volumes of one name is the one an index keeps.
        var repeated = volumes
        var replaced = volumes[0]
        replaced.status = PersistentVolumeStatus(phase: .released)
        repeated.append(replaced)
        #expect(Binder.lanes(claims, order: order, volumes: repeated, context: context) == nil)
        var index = VolumeIndex(repeated)
        let onePass = Binder().matchAll(claims: claims, context: context, index: &index)
        #expect(await decide(repeated, claims, laneThreshold: 0) == onePass)
    }
}
