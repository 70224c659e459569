import Testing
@testable import PVDModel

/// Which fields each kind can be selected by (Kubernetes' own, as far as pvd keeps them), the
/// errors for the others, and matching real objects.
struct FieldSelectorKindTests {
    static let supported: [(ResourceKind, [String])] = [
        (.storageClass, ["metadata.name"]),
        (.persistentVolume, ["metadata.name"]),
        (.persistentVolumeClaim, ["metadata.name", "metadata.namespace"]),
        (.pod, ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "status.phase"]),
        (.node, ["metadata.name", "spec.unschedulable"]),
        (.event, [
            "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
            "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "source", "type",
        ]),
    ]

    @Test(arguments: supported)
    func eachKindOffersKubernetesFields(_ kind: ResourceKind, _ fields: [String]) throws {
        #expect(kind.selectableFields == fields)
        let all = try FieldSelector(parsing: fields.map { "\($0)!=x" }.joined(separator: ","))
        try all.check(for: kind)
        #expect(Set(kind.selectableFieldsNotKept).isDisjoint(with: fields))
    }

    static let podFields = "supported: metadata.name, metadata.namespace, spec.nodeName, spec.restartPolicy, status.phase"

    static let refused: [(ResourceKind, String, String)] = [
        (.pod, "spec.foo=x", #"pods: field selector "spec.foo": not a field of Pod; "# + podFields),
        (.pod, "spec.nodeName=a,spec.foo=x", #"pods: field selector "spec.foo": not a field of Pod; "# + podFields),
        (.pod, " spec.nodeName=a", #"pods: field selector " spec.nodeName": not a field of Pod; "# + podFields),
        (.pod, "spec.schedulerName=default-scheduler",
         #"pods: field selector "spec.schedulerName": Kubernetes selects Pods by this field, but pvd does not keep it; "# + podFields),
        (.persistentVolume, "metadata.namespace=a",
         #"persistentvolumes: field selector "metadata.namespace": not a field of PersistentVolume; supported: metadata.name"#),
        (.persistentVolumeClaim, "status.phase=Bound",
         #"persistentvolumeclaims: field selector "status.phase": not a field of PersistentVolumeClaim; supported: metadata.name, metadata.namespace"#),
        (.persistentVolumeClaim, "spec.volumeName=pv-1",
         #"persistentvolumeclaims: field selector "spec.volumeName": not a field of PersistentVolumeClaim; supported: metadata.name, metadata.namespace"#),
        (.node, "spec.taints=x",
         #"nodes: field selector "spec.taints": not a field of Node; supported: metadata.name, spec.unschedulable"#),
        (.storageClass, "provisioner=pvd.io/loop",
         #"storageclasses: field selector "provisioner": not a field of StorageClass; supported: metadata.name"#),
    ]

    @Test(arguments: refused)
    func aFieldTheKindLacksIsRefusedNamingKindAndField(_ kind: ResourceKind, _ text: String, _ message: String) throws {
        let s = try FieldSelector(parsing: text)
        do {
            try s.check(for: kind)
            Issue.record("\(text) was accepted for \(kind)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func anEventFieldPVDDoesNotKeepIsNamedAsSuch() throws {
        let s = try FieldSelector(parsing: "reportingComponent=pvd")
        #expect(throws: FieldSelectorError(selector: "reportingComponent=pvd", term: "reportingComponent", problem: .notKept(.event))) {
            try s.check(for: .event)
        }
    }

    static func pod(_ name: String, ns: String = "default", node: String?, phase: String?) -> Pod {
        var p = Pod(name: name, namespace: ns, spec: PodSpec(nodeName: node))
        p.status = phase.map { PodStatus(phase: $0) }
        return p
    }

    static let pods = [
        pod("a", node: "node-a", phase: "Running"),
        pod("b", node: "node-b", phase: "Running"),
        pod("c", ns: "other", node: "node-a", phase: "Pending"),
        pod("d", node: nil, phase: nil),
    ]

    static let podQueries: [(String, [String])] = [
        ("spec.nodeName=node-a", ["a", "c"]),
        ("spec.nodeName==node-a,metadata.namespace=default", ["a"]),
        ("spec.nodeName!=node-a", ["b", "d"]),
        // Not scheduled: Kubernetes' own query for unassigned pods.
        ("spec.nodeName=", ["d"]),
        ("status.phase=Running,metadata.name!=a", ["b"]),
        ("status.phase!=Running", ["c", "d"]),
        ("metadata.namespace!=default", ["c"]),
        ("", ["a", "b", "c", "d"]),
    ]

    @Test(arguments: podQueries)
    func podsMatch(_ text: String, _ names: [String]) throws {
        let s = try FieldSelector(parsing: text)
        try s.check(for: .pod)
        #expect(Self.pods.filter { s.matches($0) }.map(\.metadata.name) == names)
        #expect(Self.pods.filter { s.matches(AnyResource($0)) }.map(\.metadata.name) == names)
    }

    @Test(arguments: [(Bool?.none, "false"), (false, "false"), (true, "true")])
    func aNodeIsUnschedulableAsGoPrintsTheBool(_ unschedulable: Bool?, _ value: String) throws {
        var n = Node(name: "n1")
        n.spec = unschedulable.map { NodeSpec(unschedulable: $0) }
        #expect(try FieldSelector(parsing: "spec.unschedulable=\(value)").matches(n))
        #expect(try FieldSelector(parsing: "metadata.name=n1,spec.unschedulable!=\(value)").matches(n) == false)
    }

    @Test func eventsMatchByWhatTheyAreAbout() throws {
        let about = ObjectReference(apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "ns", name: "data", uid: "u-1")
        let e = Event(
            name: "data.1", namespace: "ns", involvedObject: about, type: .warning, reason: "ProvisioningFailed",
            message: "no space", at: Time(seconds: 1), component: "pvd-provisioner")
        for text in [
            "involvedObject.name=data,involvedObject.kind=PersistentVolumeClaim", "involvedObject.uid=u-1",
            "involvedObject.namespace=ns,metadata.namespace=ns", "reason=ProvisioningFailed,type=Warning",
            "source=pvd-provisioner", "involvedObject.fieldPath=", "type!=Normal",
        ] {
            #expect(try FieldSelector(parsing: text).matches(e), "\(text)")
        }
        #expect(try FieldSelector(parsing: "involvedObject.name=other").matches(e) == false)
    }
}
