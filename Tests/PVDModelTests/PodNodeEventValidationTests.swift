import Testing
@testable import PVDModel

struct PodValidationTests {
    static let base = Pod(
        name: "web", spec: PodSpec(nodeName: "node-1", volumes: [
            PodVolume(name: "data", persistentVolumeClaim: .init(claimName: "data")),
            PodVolume(name: "logs", persistentVolumeClaim: .init(claimName: "logs", readOnly: true)),
        ]))
    static func pod(_ change: (inout Pod) -> Void) -> Pod { modified(base, change) }

    static let cases: [ValidationCase<Pod>] = [
        ValidationCase("two claims", base),
        ValidationCase("no volumes, no node", Pod(name: "idle")),
        ValidationCase("volume of another type", pod { $0.spec.volumes?.append(PodVolume(name: "scratch")) }),
        ValidationCase("bad pod name", pod { $0.metadata.name = "Web" }, ["metadata.name"]),
        ValidationCase("bad namespace", pod { $0.metadata.namespace = "a_b" }, ["metadata.namespace"]),
        ValidationCase("bad node name", pod { $0.spec.nodeName = "Node_1" }, ["spec.nodeName"]),
        ValidationCase("unnamed volume", pod { $0.spec.volumes?[0].name = "" }, ["spec.volumes[0].name"], message: "Required value"),
        ValidationCase("upper-case volume name", pod { $0.spec.volumes?[1].name = "Logs" }, ["spec.volumes[1].name"]),
        ValidationCase("dotted volume name", pod { $0.spec.volumes?[1].name = "app.logs" }, ["spec.volumes[1].name"],
                       message: "a lowercase RFC 1123 label"),
        ValidationCase("duplicate volume name", pod { $0.spec.volumes?[1].name = "data" }, ["spec.volumes[1].name"],
                       message: "Duplicate value: \"data\""),
        ValidationCase("empty claim name", pod { $0.spec.volumes?[0].persistentVolumeClaim?.claimName = "" },
                       ["spec.volumes[0].persistentVolumeClaim.claimName"]),
    ]

    @Test(arguments: cases)
    func validates(_ c: ValidationCase<Pod>) { c.check() }
}

struct NodeValidationTests {
    static let base = Node(name: "node-1", labels: [WellKnownLabels.hostname: "node-1", "topology.kubernetes.io/zone": "rack-2"])
    static func node(_ change: (inout Node) -> Void) -> Node { modified(base, change) }

    static let cases: [ValidationCase<Node>] = [
        ValidationCase("registered node", base),
        ValidationCase("dotted name", node { $0.metadata.name = "n1.example.com" }),
        ValidationCase("no name", node { $0.metadata.name = "" }, ["metadata.name"]),
        ValidationCase("upper-case name", node { $0.metadata.name = "Node1" }, ["metadata.name"]),
        ValidationCase("label key without name", node { $0.metadata.labels = ["kubernetes.io/": "x"] }, ["metadata.labels", "metadata.labels"],
                       message: "name part must be non-empty"),
        ValidationCase("label key without prefix", node { $0.metadata.labels = ["/x": "x"] }, ["metadata.labels"],
                       message: "prefix part must be non-empty"),
        ValidationCase("label key and value both bad", node { $0.metadata.labels = ["a b": "c d"] }, ["metadata.labels", "metadata.labels"]),
        ValidationCase("label value too long", node { $0.metadata.labels = ["a": String(repeating: "v", count: 64)] }, ["metadata.labels"]),
        ValidationCase("empty label value", node { $0.metadata.labels = ["a": ""] }),
        ValidationCase("bad finalizer", node { $0.metadata.finalizers = ["a/b/c"] }, ["metadata.finalizers"]),
        ValidationCase("negative generation", node { $0.metadata.generation = -1 }, ["metadata.generation"]),
    ]

    @Test(arguments: cases)
    func validates(_ c: ValidationCase<Node>) { c.check() }
}

struct EventValidationTests {
    static let claim = PersistentVolumeClaim(name: "data", namespace: "team-a")
    static let base = Event(
        name: "data.187b2c3d4e5f6a7b", namespace: "team-a", involvedObject: claim.reference, type: .normal,
        reason: "ProvisioningSucceeded", message: "provisioned", at: Time(seconds: 1_800_000_000))
    static func event(_ change: (inout Event) -> Void) -> Event { modified(base, change) }
    static let volumeEvent = Event(
        name: "pv-1.187b2c3d4e5f6a7b", namespace: "default", involvedObject: PersistentVolume(name: "pv-1").reference,
        type: .warning, reason: "VolumeFailedDelete", message: "busy", at: Time(seconds: 1_800_000_000))

    static let cases: [ValidationCase<Event>] = [
        ValidationCase("claim event", base),
        ValidationCase("volume event in default", volumeEvent),
        ValidationCase("volume event with unset namespace", modified(volumeEvent) { $0.metadata.namespace = nil }),
        ValidationCase("upper case is allowed in event names", event { $0.metadata.name = "Data.ABC" }),
        ValidationCase("no name", event { $0.metadata.name = "" }, ["metadata.name"]),
        ValidationCase("slash in name", event { $0.metadata.name = "a/b" }, ["metadata.name"], message: "may not contain '/'"),
        ValidationCase("dot-dot name", event { $0.metadata.name = ".." }, ["metadata.name"], message: "may not be '..'"),
        ValidationCase("no involved object name", event { $0.involvedObject.name = nil }, ["involvedObject.name"]),
        ValidationCase("namespace mismatch", event { $0.metadata.namespace = "team-b" }, ["involvedObject.namespace"],
                       message: "does not match event.namespace"),
        ValidationCase("volume event outside default", modified(volumeEvent) { $0.metadata.namespace = "team-a" }, ["involvedObject.namespace"]),
    ]

    @Test(arguments: cases)
    func validates(_ c: ValidationCase<Event>) { c.check() }
}

struct ValidationErrorTests {
    @Test func formatsLikeKubernetes() {
        #expect(ValidationError.required("spec.accessModes").description == "spec.accessModes: Required value")
        #expect(ValidationError.required("spec", "must specify a volume type").message == "Required value: must specify a volume type")
        #expect(ValidationError.invalid("spec.capacity[storage]", "0", "must be greater than zero").description
            == "spec.capacity[storage]: Invalid value: \"0\": must be greater than zero")
        #expect(ValidationError.notSupported("spec.volumeMode", "Raw", ["Block", "Filesystem"]).message
            == "Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"")
        #expect(ValidationError.forbidden("spec.local", "no").message == "Forbidden: no")
        #expect(ValidationError.duplicate("x", "a").message == "Duplicate value: \"a\"")
        #expect(ValidationError.invalid("f", "a\"b\\c\n\u{1}", "bad").message == #"Invalid value: "a\"b\\c\n\x01": bad"#)
    }

    @Test func anyResourceValidates() {
        let bad = AnyResource(PersistentVolumeClaim(name: "data"))
        #expect(bad.validate().map(\.field) == ["spec.accessModes", "spec.resources.requests[storage]"])
        #expect(AnyResource(Node(name: "node-1")).validate().isEmpty)
        let kinds: [AnyResource] = [
            AnyResource(StorageClass(name: "", provisioner: "p")), AnyResource(PersistentVolume(name: "")),
            AnyResource(Pod(name: "")), AnyResource(Node(name: "")), AnyResource(EventValidationTests.base),
        ]
        #expect(kinds.map { $0.validate().isEmpty } == [false, false, false, false, true])
    }

    @Test func decodedManifestValidates() throws {
        let json = #"""
        {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data"},
         "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"0Gi"}},"storageClassName":""}}
        """#
        let claim = try JSONCoding.shared.decode(PersistentVolumeClaim.self, from: Array(json.utf8))
        #expect(claim.validate() == [.invalid("spec.resources.requests[storage]", "0", "must be greater than zero")])
    }
}
