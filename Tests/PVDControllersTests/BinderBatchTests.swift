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

    /// 20,000 random volumes and 1,500 random claims: the index must bind exactly what a
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
        let claimCount = 1_500
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
        let expected = naiveMatch(claims: claims.sorted(by: Binder.queueOrder), volumes: volumes, nodes: [:])
        #expect(got.count == expected.count)
        #expect(got.count > 500)
        let differing = expected.filter { got[$0.key] != $0.value }.count
        #expect(differing == 0)
        #expect(Set(got.values).count == got.count)
    }

    /// Node-local volumes of a WaitForFirstConsumer class, claims with and without a selected
    /// node: again the index must agree with the literal scan.
    @Test func nodeAffinityAgreesWithANaiveScan() {
        var rng = SplitMix64(state: 0xAFF1)
        let hosts = ["n0", "n1", "n2", "n3"]
        let nodes = Dictionary(uniqueKeysWithValues: hosts.map { ($0, makeNode($0)) })
        let claimCount = 600
        var volumes: [PersistentVolume] = []
        for i in 0..<3_000 {
            var claimRef: ObjectReference?
            if Int.random(in: 0..<40, using: &rng) == 0 { claimRef = ref("claim-\(Int.random(in: 0..<claimCount, using: &rng))") }
            volumes.append(makePV(
                "pv-\(i)", Int64.random(in: 1...20, using: &rng), [[rwo], [rwo, rox], [rwop]].randomElement(using: &rng) ?? [rwo],
                class: ["local", "local", ""].randomElement(using: &rng), claimRef: claimRef,
                affinityHost: Int.random(in: 0..<5, using: &rng) == 0 ? nil : hosts.randomElement(using: &rng)))
        }
        var claims: [PersistentVolumeClaim] = []
        for i in 0..<claimCount {
            let selected = Int.random(in: 0..<4, using: &rng) == 0 ? nil : ["n0", "n1", "n2", "n3", "gone"].randomElement(using: &rng)
            claims.append(makePVC(
                "claim-\(i)", Int64.random(in: 1...20, using: &rng), [[rwo], [rox], [rwop]].randomElement(using: &rng) ?? [rwo],
                class: ["local", "local", ""].randomElement(using: &rng),
                annotations: selected.map { [Annotations.selectedNode: $0] }, created: Int64(i % 97)))
        }
        var index = VolumeIndex(volumes)
        let context = BinderContext(
            storageClasses: [makeClass("local", provisioner: "pvd.io/loop", mode: .waitForFirstConsumer)],
            nodes: Array(nodes.values))
        var got: [String: String] = [:]
        for action in Binder().matchAll(claims: claims, context: context, index: &index) {
            if case .bound(let name) = action.outcome { got[action.claimKey] = name }
        }
        let expected = naiveMatch(claims: claims.sorted(by: Binder.queueOrder), volumes: volumes, nodes: nodes)
        #expect(got.count > 150)
        let keys = Set(got.keys).union(expected.keys).sorted()
        let differing = keys.filter { got[$0] != expected[$0] }.map { "\($0): index \(got[$0] ?? "-") naive \(expected[$0] ?? "-")" }
        #expect(differing.isEmpty, "\(differing.count) differ, first: \(differing.prefix(5))")
    }

    /// Kubernetes' findByClaim + FindMatchingVolume, transcribed literally: no index, every
    /// volume of each candidate mode set examined, volumes in name order.
    /// Claims of class "local" bind WaitForFirstConsumer, on the node their selected-node
    /// annotation names when `nodes` has it.
    func naiveMatch(
        claims: [PersistentVolumeClaim], volumes: [PersistentVolume], nodes: [String: Node]
    ) -> [String: String] {
        var state = volumes.sorted { $0.metadata.name < $1.metadata.name }
        var bySet: [AccessModeSet: [Int]] = [:]
        for (i, pv) in state.enumerated() { bySet[AccessModeSet(pv.spec.accessModes), default: []].append(i) }
        let allSets = bySet.keys.sorted()
        var result: [String: String] = [:]
        for claim in claims {
            guard let wanted = AccessModeSet(requesting: claim.spec.accessModes) else { continue }
            let request = BindingRules.request(of: claim)
            let requestedClass = BindingRules.className(of: claim)
            let delayBinding = requestedClass == "local"
            let node = delayBinding ? claim.metadata.annotation(Annotations.selectedNode).flatMap { nodes[$0] } : nil
            var chosen: Int?
            setLoop: for set in allSets where set.isSuperset(of: wanted) {
                var smallest: Int?
                var refused = false
                for i in bySet[set] ?? [] {
                    let pv = state[i]
                    let boundToClaim = BindingRules.isVolume(pv, boundTo: claim)
                    if pv.spec.claimRef != nil && !boundToClaim { continue }
                    let capacity = BindingRules.capacity(of: pv)
                    if capacity < request { continue }
                    if pv.volumeMode != claim.volumeMode { continue }
                    if pv.metadata.deletionTimestamp != nil { continue }
                    let affinityOK = node.map { BindingRules.nodeAffinity(of: pv, admits: $0.metadata.labels) } ?? true
                    if boundToClaim {
                        if !affinityOK {
                            refused = true
                            break
                        }
                        chosen = i
                        break setLoop
                    }
                    if node == nil && delayBinding { continue }
                    if pv.status?.phase != .available { continue }
                    if let selector = claim.spec.selector, !selector.matches(pv.metadata.labels) { continue }
                    if BindingRules.className(of: pv) != requestedClass { continue }
                    if !affinityOK { continue }
                    if node != nil && !BindingRules.accessModes(of: pv, satisfy: claim) { continue }
                    if let s = smallest, !(capacity < BindingRules.capacity(of: state[s])) { continue }
                    smallest = i
                }
                if !refused, let smallest {
                    chosen = smallest
                    break
                }
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
