import PVDModel
import Testing
@testable import PVDControllers

/// A small, seedable generator (SplitMix64), so random scenarios repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct BinderBatchTests {
    @Test func noVolumeIsGivenTwice() {
        var index = VolumeIndex([makePV("small", 1), makePV("big", 2)])
        let claims = [makePVC("a", 1, created: 1), makePVC("b", 1, created: 2), makePVC("c", 1, created: 3)]
        let actions = Binder().matchAll(claims: claims, context: BinderContext(), index: &index)
        #expect(actions.map(\.outcome) == [.bound(volume: "small"), .bound(volume: "big"), .pending])
        #expect(actions.last?.events.first?.reason == "FailedBinding")
        #expect(index.freeCount == 0)
    }

    @Test func oldestClaimFirstThenNamespaceAndName() {
        var index = VolumeIndex([makePV("small", 1), makePV("big", 2), makePV("huge", 3)])
        var other = makePVC("a", 1, created: 50)
        other.metadata.namespace = "zz"
        let claims = [makePVC("late", 1, created: 100), other, makePVC("b", 1, created: 50)]
        let actions = Binder().matchAll(claims: claims, context: BinderContext(), index: &index)
        #expect(actions.map(\.claimKey) == ["ns/b", "zz/a", "ns/late"])
        #expect(actions.map(\.outcome) == [.bound(volume: "small"), .bound(volume: "big"), .bound(volume: "huge")])
    }

    @Test func laterClaimNamingATakenVolumeSeesItBound() {
        var index = VolumeIndex([makePV("pv", 1)])
        let claims = [makePVC("first", 1, created: 1), makePVC("second", 1, volumeName: "pv", created: 2)]
        let actions = Binder().matchAll(claims: claims, context: BinderContext(), index: &index)
        #expect(actions.map(\.outcome) == [.bound(volume: "pv"), .pending])
        #expect(actions.last?.events.first?.message == "volume \"pv\" already bound to a different claim.")
    }

    @Test func preBoundVolumeIsKeptForItsClaim() {
        var index = VolumeIndex([makePV("reserved", 1, claimRef: ref("owner")), makePV("spare", 5)])
        let claims = [makePVC("stranger", 1, created: 1), makePVC("owner", 1, created: 2)]
        let actions = Binder().matchAll(claims: claims, context: BinderContext(), index: &index)
        #expect(actions.map(\.outcome) == [.bound(volume: "spare"), .bound(volume: "reserved")])
    }

    /// 20,000 random volumes and 2,000 random claims: the index must bind exactly what a
    /// literal transcription of Kubernetes' scan (every volume of every candidate mode set)
    /// binds, given pvd's tie-breaks (name among equal capacities, bit mask among equal-sized
    /// mode sets).
    @Test func indexAgreesWithANaiveScan() {
        var rng = SplitMix64(state: 0x5EED)
        let classes = ["", "a", "b"]
        let modePool: [AccessMode] = [rwo, rox, rwx, rwop]
        func randomModes() -> [AccessMode] {
            var modes: [AccessMode] = []
            while modes.isEmpty {
                modes = modePool.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }
            }
            return modes.shuffled(using: &rng)
        }
        func randomVolumeMode() -> VolumeMode? {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: .block
            case 1: .filesystem
            default: nil
            }
        }
        let claimCount = 2_000
        var volumes: [PersistentVolume] = []
        for i in 0..<20_000 {
            let roll = Int.random(in: 0..<100, using: &rng)
            let phase: VolumePhase = roll < 85 ? .available : roll < 90 ? .pending : roll < 95 ? .released : .bound
            var claimRef: ObjectReference?
            if phase == .bound { claimRef = ref("gone-\(i)", uid: "u-\(i)") }
            if phase == .available, Int.random(in: 0..<50, using: &rng) == 0 {
                claimRef = ref("claim-\(Int.random(in: 0..<claimCount, using: &rng))")
            }
            volumes.append(makePV(
                "pv-\(i)", Int64.random(in: 1...50, using: &rng), randomModes(),
                class: classes.randomElement(using: &rng), phase: phase, volumeMode: randomVolumeMode(),
                claimRef: claimRef, labels: ["zone": "z\(Int.random(in: 0..<4, using: &rng))"],
                deleting: Int.random(in: 0..<33, using: &rng) == 0))
        }
        var claims: [PersistentVolumeClaim] = []
        for i in 0..<claimCount {
            let selector = Int.random(in: 0..<10, using: &rng) == 0
                ? LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "zone", operator: "In", values: ["z1", "z2"])])
                : nil
            claims.append(makePVC(
                "claim-\(i)", Int64.random(in: 1...50, using: &rng), randomModes(),
                class: classes.randomElement(using: &rng), selector: selector, volumeMode: randomVolumeMode(),
                created: Int64.random(in: 0..<500, using: &rng)))
        }

        var index = VolumeIndex(volumes.shuffled(using: &rng))
        let actions = Binder().matchAll(claims: claims, context: BinderContext(), index: &index)
        var got: [String: String] = [:]
        for action in actions {
            if case .bound(let name) = action.outcome { got[action.claimKey] = name }
        }
        let expected = naiveMatch(claims: claims.sorted(by: Binder.queueOrder), volumes: volumes)
        #expect(got.count == expected.count)
        #expect(got.count > 500)
        let differing = expected.filter { got[$0.key] != $0.value }.count
        #expect(differing == 0)
        #expect(Set(got.values).count == got.count)
    }

    /// Kubernetes' findByClaim + FindMatchingVolume, transcribed literally: no index, every
    /// volume of each candidate mode set examined, volumes in name order.
    func naiveMatch(claims: [PersistentVolumeClaim], volumes: [PersistentVolume]) -> [String: String] {
        var state = volumes.sorted { $0.metadata.name < $1.metadata.name }
        var bySet: [AccessModeSet: [Int]] = [:]
        for (i, pv) in state.enumerated() { bySet[AccessModeSet(pv.spec.accessModes), default: []].append(i) }
        let allSets = bySet.keys.sorted()
        var result: [String: String] = [:]
        for claim in claims {
            guard let wanted = AccessModeSet(requesting: claim.spec.accessModes) else { continue }
            let request = BindingRules.request(of: claim)
            let requestedClass = BindingRules.className(of: claim)
            var chosen: Int?
            setLoop: for set in allSets where set.isSuperset(of: wanted) {
                var smallest: Int?
                for i in bySet[set] ?? [] {
                    let pv = state[i]
                    let boundToClaim = BindingRules.isVolume(pv, boundTo: claim)
                    if pv.spec.claimRef != nil && !boundToClaim { continue }
                    let capacity = BindingRules.capacity(of: pv)
                    if capacity < request { continue }
                    if pv.volumeMode != claim.volumeMode { continue }
                    if pv.metadata.deletionTimestamp != nil { continue }
                    if boundToClaim { chosen = i; break setLoop }
                    if pv.status?.phase != .available { continue }
                    if let selector = claim.spec.selector, !selector.matches(pv.metadata.labels) { continue }
                    if BindingRules.className(of: pv) != requestedClass { continue }
                    if let s = smallest, !(capacity < BindingRules.capacity(of: state[s])) { continue }
                    smallest = i
                }
                if let smallest { chosen = smallest; break }
            }
            if let i = chosen {
                state[i].spec.claimRef = claim.reference
                state[i].status?.phase = .bound
                result[BindingRules.key(of: claim)] = state[i].metadata.name
            }
        }
        return result
    }
}

struct ClaimActionTests {
    @Test func clearingTheWritesMakesANoOp() {
        var action = ClaimAction(claimKey: "ns/c", outcome: .pending, claim: makePVC("c", 1))
        #expect(!action.isNoOp)
        action.claim = nil
        #expect(action.isNoOp)
        #expect(action == ClaimAction(claimKey: "ns/c", outcome: .pending))
        action.volume = makePV("pv", 1)
        #expect(action.volume?.metadata.name == "pv")
        #expect(action.claim == nil)
    }
}
