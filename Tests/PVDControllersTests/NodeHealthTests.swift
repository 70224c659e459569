import PVDModel
import Testing
@testable import PVDControllers

@Suite("Node health and Immediate placement")
struct NodeHealthTests {
    static let now = Time(seconds: 10_000)

    static func node(_ name: String, status: String? = "True", beatAgo: Int64? = 0, labels: [String: String] = [:]) -> Node {
        var n = Node(name: name, labels: [WellKnownLabels.hostname: name].merging(labels) { $1 })
        if let status {
            n.status = NodeStatus(conditions: [
                NodeCondition(type: "MemoryPressure", status: "False"),
                NodeCondition(type: "Ready", status: status, lastHeartbeatTime: beatAgo.map { Time(seconds: now.seconds - $0) }),
            ])
        }
        return n
    }

    /// (status, heartbeat age, ready?, marked Unknown?)
    static let readinessCases: [(String?, Int64?, Bool, Bool)] = [
        ("True", 0, true, false),
        ("True", 40, true, false),
        ("True", 41, false, true),
        ("True", nil, false, false),
        ("False", 100, false, false),
        ("Unknown", 100, false, false),
        (nil, nil, false, false),
    ]

    @Test("Ready within the grace; a stale True becomes Unknown, nothing else changes", arguments: readinessCases)
    func readiness(_ status: String?, _ age: Int64?, _ ready: Bool, _ marked: Bool) {
        let n = Self.node("a", status: status, beatAgo: age)
        #expect(NodeHealth.isReady(n, now: Self.now) == ready)
        let update = NodeHealth.staleUpdate(n, now: Self.now)
        #expect((update != nil) == marked)
        if let update {
            let ready = update.status?.conditions?.first { $0.type == "Ready" }
            #expect(ready?.status == "Unknown")
            #expect(ready?.reason == NodeHealth.staleReason)
            #expect(ready?.lastHeartbeatTime == Time(seconds: Self.now.seconds - (age ?? 0)))
            // Other conditions are kept as they were.
            #expect(update.status?.conditions?.first?.type == "MemoryPressure")
        }
    }

    @Test("the next check is when the oldest Ready heartbeat goes stale")
    func nextCheck() {
        let nodes = [Self.node("a", beatAgo: 5), Self.node("b", beatAgo: 30), Self.node("c", status: "Unknown", beatAgo: 500)]
        #expect(NodeHealth.nextCheck(nodes, now: Self.now) == .seconds(11))
        #expect(NodeHealth.nextCheck([Self.node("c", status: "False")], now: Self.now) == nil)
    }

    static func claim(bytes: Int64, age: Int64 = 0) -> PersistentVolumeClaim {
        var c = PersistentVolumeClaim(name: "data", spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: Quantity(bytes), storageClassName: "local"))
        c.metadata.creationTimestamp = Time(seconds: now.seconds - age)
        return c
    }

    static func storageClass(zones: [String]? = nil) -> StorageClass {
        var sc = StorageClass(name: "local", provisioner: "pvd.io/hostpath")
        if let zones {
            sc.allowedTopologies = [TopologySelectorTerm(matchLabelExpressions: [
                TopologySelectorLabelRequirement(key: "topology.kubernetes.io/zone", values: zones),
            ])]
        }
        return sc
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var zones: [String]?
        var myZone: String?
        var available: Int64?
        var others: [Node]
        var age: Int64 = 0
        var takes: Bool
    }

    static let placementCases: [Case] = [
        Case(description: "no topology, room", available: 100, others: [node("b")], takes: true),
        Case(description: "room unknown", available: nil, others: [node("b")], takes: true),
        Case(description: "no room, another Ready node", available: 10, others: [node("b")], takes: false),
        Case(description: "no room, the other node's heartbeat is stale", available: 10, others: [node("b", beatAgo: 60)], takes: true),
        Case(description: "no room, alone", available: 10, others: [], takes: true),
        Case(description: "no room, but the claim waited past the patience", available: 10, others: [node("b")], age: 11, takes: true),
        Case(description: "no room, the other node is outside the class's zones", zones: ["z1"], myZone: "z1", available: 10,
             others: [node("b", labels: ["topology.kubernetes.io/zone": "z2"])], takes: true),
        Case(description: "outside the class's zones", zones: ["z1"], myZone: "z2", available: 100, others: [], takes: false),
        Case(description: "inside the class's zones", zones: ["z1", "z2"], myZone: "z2", available: 100, others: [], takes: true),
    ]

    @Test("an Immediate claim is taken by a node the class admits that has room", arguments: placementCases)
    func placement(_ c: Case) {
        let me = Self.node("a", labels: c.myZone.map { ["topology.kubernetes.io/zone": $0] } ?? [:])
        let decision = ImmediatePlacement.decide(
            claim: Self.claim(bytes: 50, age: c.age), storageClass: Self.storageClass(zones: c.zones), nodeName: "a", node: me,
            others: [me] + c.others, availableBytes: c.available, now: Self.now)
        #expect((decision == .take) == c.takes, "\(decision)")
    }
}
