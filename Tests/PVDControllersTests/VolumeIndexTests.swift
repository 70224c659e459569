import PVDModel
import Testing
@testable import PVDControllers

/// One findBestMatch scenario: volumes, a claim, how to search, and the volume expected.
struct MatchCase: Sendable, CustomTestStringConvertible {
    var name: String
    var volumes: [PersistentVolume]
    var claim: PersistentVolumeClaim
    var className: String? = nil
    var delayBinding = false
    var node: Node? = nil
    var expected: String?
    var testDescription: String { name }
}

/// Kubernetes' index_test.go volumes, reworked: two RWO+ROX disks and one RWO+ROX+RWX share
/// each size, two of them already bound elsewhere.
let catalogue: [PersistentVolume] = [
    makePV("gce-1", 1, [rwo, rox], phase: .bound, claimRef: ref("x", uid: "u-x", namespace: "other")),
    makePV("gce-5", 5, [rwo, rox]),
    makePV("gce-10", 10, [rwo, rox]),
    makePV("gce-20", 20, [rwo, rox], phase: .bound, claimRef: ref("y", uid: "u-y", namespace: "other")),
    makePV("nfs-1", 1, [rwo, rox, rwx]),
    makePV("nfs-5", 5, [rwo, rox, rwx]),
    makePV("nfs-10", 10, [rwo, rox, rwx]),
    makePV("ebs-huge", 20_000, [rwo], labels: ["should-exist": "true", "tier": "cold"]),
    makePV("silver-2", 2, [rwo], class: "silver", labels: ["should-exist": "true"]),
    makePV("silver-3", 3, [rwo], class: "silver"),
]

let preBoundClaim = makePVC("claim", 1)

let matchCases: [MatchCase] = [
    // Size and access modes.
    MatchCase(name: "smallest that satisfies", volumes: catalogue, claim: makePVC("c", 8, [rox, rwo]), expected: "gce-10"),
    MatchCase(name: "exact size match", volumes: catalogue, claim: makePVC("c", 5, [rox, rwo, rwx]), expected: "nfs-5"),
    MatchCase(name: "bound volume skipped", volumes: catalogue, claim: makePVC("c", 1, [rox, rwo]), expected: "gce-5"),
    MatchCase(name: "nothing big enough", volumes: catalogue, claim: makePVC("c", 999, [rox, rwo]), expected: nil),
    MatchCase(name: "fewest modes first even with a bigger volume", volumes: catalogue, claim: makePVC("c", 1, [rwo]),
              expected: "ebs-huge"),
    MatchCase(name: "RWX only in the three-mode set", volumes: catalogue, claim: makePVC("c", 1, [rwx]), expected: "nfs-1"),
    MatchCase(name: "ROX from the two-mode set first", volumes: catalogue, claim: makePVC("c", 1, [rox]), expected: "gce-5"),
    MatchCase(name: "next set up when the first has none big enough", volumes: catalogue,
              claim: makePVC("c", 9, [rox]), expected: "gce-10"),
    MatchCase(name: "RWOP offered by nobody", volumes: catalogue, claim: makePVC("c", 1, [rwop]), expected: nil),
    MatchCase(name: "unknown mode requested", volumes: catalogue,
              claim: makePVC("c", 1, [AccessMode(rawValue: "ReadSometimes")]), expected: nil),
    // Selector.
    MatchCase(name: "selector matches nothing", volumes: catalogue,
              claim: makePVC("c", 1, [rox, rwo], selector: LabelSelector(matchLabels: ["should-not-exist": "true"])),
              expected: nil),
    MatchCase(name: "selector with size", volumes: catalogue,
              claim: makePVC("c", 20_000, [rwo], selector: LabelSelector(matchLabels: ["should-exist": "true"])),
              expected: "ebs-huge"),
    MatchCase(name: "selector right, modes wrong", volumes: catalogue,
              claim: makePVC("c", 20_000, [rox, rwo], selector: LabelSelector(matchLabels: ["should-exist": "true"])),
              expected: nil),
    MatchCase(name: "matchExpressions In", volumes: catalogue,
              claim: makePVC("c", 1, [rwo], selector: LabelSelector(matchExpressions: [
                  LabelSelectorRequirement(key: "tier", operator: "In", values: ["cold", "warm"]),
              ])), expected: "ebs-huge"),
    MatchCase(name: "matchExpressions NotIn skips candidates", volumes: catalogue,
              claim: makePVC("c", 1, [rwo], selector: LabelSelector(matchExpressions: [
                  LabelSelectorRequirement(key: "tier", operator: "NotIn", values: ["cold"]),
              ])), expected: "gce-5"),
    MatchCase(name: "matchExpressions DoesNotExist skips candidates", volumes: catalogue,
              claim: makePVC("c", 1, [rwo], class: "silver", selector: LabelSelector(matchExpressions: [
                  LabelSelectorRequirement(key: "should-exist", operator: "DoesNotExist"),
              ])), expected: "silver-3"),
    // Class.
    MatchCase(name: "class silver with selector", volumes: catalogue,
              claim: makePVC("c", 1, [rwo], class: "silver", selector: LabelSelector(matchLabels: ["should-exist": "true"])),
              expected: "silver-2"),
    MatchCase(name: "class silver by size", volumes: catalogue, claim: makePVC("c", 3, [rwo], class: "silver"),
              expected: "silver-3"),
    MatchCase(name: "class-less claim never gets a classed volume", volumes: [makePV("s", 1, class: "silver")],
              claim: makePVC("c", 1), expected: nil),
    MatchCase(name: "empty class equals unset class", volumes: [makePV("plain", 1)],
              claim: makePVC("c", 1, class: ""), expected: "plain"),
    MatchCase(name: "beta class annotation wins over storageClassName", volumes: [
        makePV("gold", 1, class: "gold"), makePV("silver", 1, class: "silver"),
    ], claim: makePVC("c", 1, class: "silver", annotations: [BindingRules.betaStorageClassAnnotation: "gold"]),
       expected: "gold"),
    // Volume mode.
    MatchCase(name: "block claim gets a block volume", volumes: [
        makePV("fs", 1), makePV("blk", 2, volumeMode: .block),
    ], claim: makePVC("c", 1, volumeMode: .block), expected: "blk"),
    MatchCase(name: "nil volumeMode is Filesystem on both sides", volumes: [
        makePV("blk", 1, volumeMode: .block), makePV("fs", 2, volumeMode: .filesystem), makePV("fs-nil", 3),
    ], claim: makePVC("c", 1), expected: "fs"),
    MatchCase(name: "no block volume", volumes: [makePV("fs", 1)], claim: makePVC("c", 1, volumeMode: .block),
              expected: nil),
    // Phase, deletion, claimRef.
    MatchCase(name: "Pending volume excluded", volumes: [makePV("p", 1, phase: .pending), makePV("a", 2)],
              claim: makePVC("c", 1), expected: "a"),
    MatchCase(name: "Released volume excluded", volumes: [makePV("r", 1, phase: .released), makePV("a", 2)],
              claim: makePVC("c", 1), expected: "a"),
    MatchCase(name: "volume without status excluded", volumes: [makePV("n", 1, phase: nil)],
              claim: makePVC("c", 1), expected: nil),
    MatchCase(name: "volume being deleted excluded", volumes: [makePV("d", 1, deleting: true), makePV("a", 2)],
              claim: makePVC("c", 1), expected: "a"),
    MatchCase(name: "volume pre-bound to another claim excluded", volumes: [
        makePV("other", 1, claimRef: ref("someone-else")), makePV("a", 2),
    ], claim: makePVC("c", 1), expected: "a"),
    MatchCase(name: "equal capacities go to the smaller name", volumes: [makePV("b", 1), makePV("a", 1), makePV("c", 1)],
              claim: makePVC("c", 1), expected: "a"),
    // Pre-bound volumes.
    MatchCase(name: "pre-bound without uid beats a smaller free volume", volumes: [
        makePV("free", 1), makePV("pre", 5, claimRef: ref("claim")),
    ], claim: preBoundClaim, expected: "pre"),
    MatchCase(name: "pre-bound with the claim's uid", volumes: [
        makePV("free", 1), makePV("pre", 5, phase: .bound, claimRef: ref("claim", uid: "uid-claim")),
    ], claim: preBoundClaim, expected: "pre"),
    MatchCase(name: "pre-bound with another uid is someone else's", volumes: [
        makePV("free", 1), makePV("pre", 5, claimRef: ref("claim", uid: "uid-older")),
    ], claim: preBoundClaim, expected: "free"),
    MatchCase(name: "pre-bound too small is passed over", volumes: [
        makePV("free", 20), makePV("pre", 5, claimRef: ref("claim")),
    ], claim: makePVC("claim", 10), expected: "free"),
    MatchCase(name: "pre-bound ignores phase, class and selector", volumes: [
        makePV("pre", 5, class: "gold", phase: .released, claimRef: ref("claim")),
    ], claim: makePVC("claim", 1, selector: LabelSelector(matchLabels: ["no": "such"])), expected: "pre"),
    MatchCase(name: "pre-bound being deleted is passed over", volumes: [
        makePV("free", 2), makePV("pre", 5, claimRef: ref("claim"), deleting: true),
    ], claim: preBoundClaim, expected: "free"),
    MatchCase(name: "pre-bound of another volumeMode is passed over", volumes: [
        makePV("free", 2), makePV("pre", 5, volumeMode: .block, claimRef: ref("claim")),
    ], claim: preBoundClaim, expected: "free"),
    MatchCase(name: "pre-bound in a bigger mode set loses to a free one in a smaller set", volumes: [
        makePV("free", 2, [rwo]), makePV("pre", 5, [rwo, rox], claimRef: ref("claim")),
    ], claim: preBoundClaim, expected: "free"),
    MatchCase(name: "pre-bound whose modes do not cover the request", volumes: [
        makePV("pre", 5, [rox], claimRef: ref("claim")),
    ], claim: preBoundClaim, expected: nil),
    MatchCase(name: "pre-bound in another namespace is not ours", volumes: [
        makePV("pre", 5, claimRef: ref("claim", namespace: "elsewhere")),
    ], claim: preBoundClaim, expected: nil),
    // Delayed binding and node affinity.
    MatchCase(name: "delayBinding without node skips free volumes", volumes: [makePV("a", 1)],
              claim: makePVC("c", 1), delayBinding: true, expected: nil),
    MatchCase(name: "delayBinding without node still takes pre-bound", volumes: [
        makePV("a", 1), makePV("pre", 3, claimRef: ref("claim")),
    ], claim: preBoundClaim, delayBinding: true, expected: "pre"),
    MatchCase(name: "node affinity refuses the smaller volume", volumes: [
        makePV("on-n2", 1, affinityHost: "n2"), makePV("on-n1", 2, affinityHost: "n1"), makePV("anywhere", 3),
    ], claim: makePVC("c", 1), delayBinding: true, node: makeNode("n1"), expected: "on-n1"),
    MatchCase(name: "volume without affinity fits any node", volumes: [
        makePV("on-n2", 1, affinityHost: "n2"), makePV("anywhere", 3),
    ], claim: makePVC("c", 1), delayBinding: true, node: makeNode("n1"), expected: "anywhere"),
    MatchCase(name: "pre-bound refused by node affinity yields nothing in its set", volumes: [
        makePV("free", 1, affinityHost: "n1"), makePV("pre", 3, claimRef: ref("claim"), affinityHost: "n2"),
    ], claim: preBoundClaim, delayBinding: true, node: makeNode("n1"), expected: nil),
    MatchCase(name: "Immediate binding ignores node affinity", volumes: [makePV("on-n2", 1, affinityHost: "n2")],
              claim: makePVC("c", 1), expected: "on-n2"),
]

struct VolumeIndexTests {
    @Test(arguments: matchCases)
    func findBestMatch(_ c: MatchCase) {
        var index = VolumeIndex(c.volumes)
        let found = index.findBestMatch(
            for: c.claim, className: c.className ?? BindingRules.className(of: c.claim),
            delayBinding: c.delayBinding, node: c.node)
        #expect(found?.metadata.name == c.expected)
    }

    @Test(arguments: matchCases)
    func sameAnswerWhenBuiltOneByOne(_ c: MatchCase) {
        var index = VolumeIndex()
        for pv in c.volumes.reversed() { index.upsert(pv) }
        let found = index.findBestMatch(
            for: c.claim, className: c.className ?? BindingRules.className(of: c.claim),
            delayBinding: c.delayBinding, node: c.node)
        #expect(found?.metadata.name == c.expected)
    }

    @Test func removedAndReplacedVolumesLeaveTheFreeGroups() {
        var index = VolumeIndex([makePV("a", 1), makePV("b", 2), makePV("c", 3)])
        #expect(index.freeCount == 3)
        index.remove(named: "a")
        var bound = makePV("b", 2, phase: .bound, claimRef: ref("x", uid: "u"))
        bound.metadata.setAnnotation(Annotations.boundByController, "yes")
        index.upsert(bound)
        #expect(index.freeCount == 1)
        #expect(index.findBestMatch(for: makePVC("q", 1), className: "", delayBinding: false, node: nil)?.metadata.name == "c")
        index.upsert(makePV("a", 1))
        #expect(index.freeCount == 2)
        #expect(index.findBestMatch(for: makePVC("q", 1), className: "", delayBinding: false, node: nil)?.metadata.name == "a")
        #expect(index.count == 3)
    }

    @Test func accessModeSetOrder() {
        let sets = [AccessModeSet([rwo, rox, rwx]), AccessModeSet([rox]), AccessModeSet([rwo, rox]), AccessModeSet([rwo])]
        #expect(sets.sorted().map(\.description) == ["RWO", "ROX", "RWO,ROX", "RWO,ROX,RWX"])
        #expect(AccessModeSet([rwo, rox]).isSuperset(of: AccessModeSet([rox])))
        #expect(!AccessModeSet([rwo]).isSuperset(of: AccessModeSet([rox])))
    }
}
