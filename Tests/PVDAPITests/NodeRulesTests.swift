import PVDModel
import Testing
@testable import PVDAPI

/// The Node mode's rules over plain values: who is a node, what a node may do from the request
/// alone, which stored objects are its own, and what NodeRestriction lets it write.
struct NodeRulesTests {
    static let n1 = UserInfo(name: "system:node:n1", groups: ["system:nodes", "system:authenticated"])

    @Test(arguments: [
        (UserInfo(name: "system:node:n1", groups: ["system:nodes"]), "n1"),
        (UserInfo(name: "system:node:n1", groups: []), nil),
        (UserInfo(name: "n1", groups: ["system:nodes"]), nil),
        (UserInfo(name: "system:node:", groups: ["system:nodes"]), nil),
    ] as [(UserInfo, String?)])
    func identity(user: UserInfo, node: String?) {
        #expect(NodeRules.node(of: user) == node)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var verb: String
        var group = ""
        var resource: String
        var namespace = ""
        var name = ""
        var expected: NodeRules.Verdict
        var testDescription: String { label }
        var attributes: RequestAttributes {
            RequestAttributes(user: NodeRulesTests.n1, verb: verb, isResourceRequest: true, apiGroup: group, resource: resource, namespace: namespace, name: name)
        }
    }

    @Test(arguments: [
        Case(label: "list claims", verb: "list", resource: "persistentvolumeclaims", expected: .allow),
        Case(label: "watch storage classes", verb: "watch", group: "storage.k8s.io", resource: "storageclasses", expected: .allow),
        Case(label: "list roles", verb: "list", group: "rbac.authorization.k8s.io", resource: "roles",
             expected: .refuse("node 'n1' cannot list roles.rbac.authorization.k8s.io")),
        Case(label: "update own node", verb: "update", resource: "nodes", name: "n1", expected: .allow),
        Case(label: "patch another node", verb: "patch", resource: "nodes", name: "n2", expected: .refuse("node 'n1' cannot modify node 'n2'")),
        Case(label: "delete own node", verb: "delete", resource: "nodes", name: "n1", expected: .refuse("node 'n1' cannot delete nodes")),
        Case(label: "create a node (body checked)", verb: "create", resource: "nodes", expected: .allow),
        Case(label: "own lease", verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n1", expected: .allow),
        Case(label: "another's lease", verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n2",
             expected: .refuse("node 'n1' can only use its own lease kube-node-lease/n1")),
        Case(label: "a lease elsewhere", verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system",
             expected: .refuse("node 'n1' can only use its own lease kube-node-lease/n1")),
        Case(label: "events", verb: "create", resource: "events", namespace: "default", expected: .allow),
        Case(label: "delete events", verb: "delete", resource: "events", namespace: "default", name: "e", expected: .refuse("node 'n1' cannot delete events")),
        Case(label: "create a PV (body checked)", verb: "create", resource: "persistentvolumes", expected: .allow),
        Case(label: "patch a PV", verb: "patch", resource: "persistentvolumes", name: "pv", expected: .ifOwnsStored),
        Case(label: "delete a pod", verb: "delete", resource: "pods", namespace: "default", name: "p", expected: .ifOwnsStored),
        Case(label: "create a pod", verb: "create", resource: "pods", namespace: "default", expected: .refuse("node 'n1' cannot create pods")),
        Case(label: "write a claim", verb: "update", resource: "persistentvolumeclaims", namespace: "default", name: "c",
             expected: .refuse("node 'n1' cannot update persistentvolumeclaims")),
        Case(label: "a capacity", verb: "update", group: "storage.k8s.io", resource: "csistoragecapacities", namespace: "kube-system", name: "x",
             expected: .ifOwnsStored),
    ])
    func fromTheRequest(_ c: Case) {
        #expect(NodeRules.decide(c.attributes, node: "n1") == c.expected)
    }

    static func pv(_ name: String, on node: String?) -> PersistentVolume {
        var pv = PersistentVolume(name: name)
        if let node {
            pv.spec.nodeAffinity = VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: ["n0", node])]),
            ]))
        }
        return pv
    }

    static func pod(on node: String?) -> Pod {
        Pod(name: "p", spec: PodSpec(nodeName: node))
    }

    static func capacity(for node: String) -> CSIStorageCapacity {
        CSIStorageCapacity(name: "c", namespace: "kube-system", storageClassName: "loop",
                           nodeTopology: LabelSelector(matchLabels: ["kubernetes.io/hostname": node]))
    }

    @Test func storedObjectsOfTheNode() {
        #expect(NodeRules.owns(AnyResource(Self.pv("a", on: "n1")), node: "n1"))
        #expect(!NodeRules.owns(AnyResource(Self.pv("b", on: "n2")), node: "n1"))
        #expect(!NodeRules.owns(AnyResource(Self.pv("c", on: nil)), node: "n1"))
        #expect(NodeRules.owns(AnyResource(Self.pod(on: "n1")), node: "n1"))
        #expect(!NodeRules.owns(AnyResource(Self.pod(on: "n2")), node: "n1"))
        #expect(NodeRules.owns(AnyResource(Self.capacity(for: "n1")), node: "n1"))
        #expect(!NodeRules.owns(AnyResource(Self.capacity(for: "n2")), node: "n1"))
        #expect(!NodeRules.owns(AnyResource(PersistentVolumeClaim(name: "c")), node: "n1"))
    }

    @Test func whatANodeWritesStaysItsOwn() {
        #expect(NodeRules.restriction(AnyResource(Self.pv("a", on: "n1")), node: "n1") == nil)
        #expect(NodeRules.restriction(AnyResource(Self.pv("b", on: "n2")), node: "n1")?.contains("kubernetes.io/hostname In [n1]") == true)
        #expect(NodeRules.restriction(AnyResource(Node(name: "n1")), node: "n1") == nil)
        #expect(NodeRules.restriction(AnyResource(Node(name: "n2")), node: "n1") == #"node "n1" is not allowed to modify node "n2""#)
        #expect(NodeRules.restriction(AnyResource(Lease(name: "n2", namespace: "kube-node-lease")), node: "n1") != nil)
        #expect(NodeRules.restriction(AnyResource(Self.pod(on: "n2")), node: "n1") != nil)
        #expect(NodeRules.restriction(AnyResource(Self.capacity(for: "n2")), node: "n1") != nil)
        #expect(NodeRules.restriction(AnyResource(PersistentVolumeClaim(name: "c")), node: "n1") == nil)
    }
}
