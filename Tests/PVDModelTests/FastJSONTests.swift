import Foundation
import Testing
@testable import PVDModel

/// The fast JSON path (generated from the schemas) must write exactly Foundation's bytes and
/// read exactly what Foundation reads; these tests hold it to both, against Foundation itself.
struct FastJSONTests {
    // MARK: Fixtures

    /// Every control character, quotes, backslashes, slashes, DEL, non-BMP and combining text.
    static let nasty: String = {
        var s = ""
        for v in 0..<0x20 { s.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        return s + "\"q\" \\back\\ /slash/ \u{7F} é e\u{301} 漢字 😀 \u{2028}\u{2029} \u{FEFF}"
    }()

    static let meta: ObjectMeta = {
        var m = ObjectMeta(name: "full-ñame", namespace: "ns\"1", labels: [
            "app": "web", "App": "Web", "a10": "x", "a2": "y", "é": "accent", "": "empty-key", "ctl": nasty,
        ], annotations: ["pvd.dev/note": nasty, "b/a": "/", "z": ""])
        m.uid = "0b7c1f3e-uid"
        m.resourceVersion = "42"
        m.generation = -9_223_372_036_854_775_808
        m.creationTimestamp = Time(seconds: 1_795_606_642)
        m.deletionTimestamp = Time(seconds: -1)
        m.finalizers = ["kubernetes.io/pv-protection", "", nasty]
        var entry = ManagedFieldsEntry()
        entry.manager = nasty
        entry.operation = "Apply"
        entry.apiVersion = "v1"
        entry.time = Time(seconds: 1_795_606_643)
        entry.fieldsType = "FieldsV1"
        entry.fieldsV1 = .object(["f:metadata": .object(["f:labels": .object(["f:app": .object([:]), ".": .object([:])])]), #"k:{"name":"a"}"#: .object([:])])
        entry.subresource = "status"
        m.managedFields = [entry, ManagedFieldsEntry()]
        return m
    }()

    static let nodeAffinity = VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [
        NodeSelectorTerm(
            matchExpressions: [
                NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: ["n1", "n2"]),
                NodeSelectorRequirement(key: "gpu", operator: "Exists"),
            ],
            matchFields: [NodeSelectorRequirement(key: "metadata.name", operator: "NotIn", values: [])]),
        NodeSelectorTerm(),
    ]))

    static let pv: PersistentVolume = {
        var spec = PersistentVolumeSpec(
            capacity: Quantity(10 << 30), accessModes: [.readWriteOnce, .readOnlyMany, AccessMode(rawValue: "Odd\n")],
            reclaimPolicy: .retain, storageClassName: "gold", volumeMode: .block,
            claimRef: ObjectReference(apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "default",
                                      name: "data", uid: "u-1", resourceVersion: "7"),
            nodeAffinity: nodeAffinity, hostPath: HostPathVolumeSource(path: "/mnt/data", type: "DirectoryOrCreate"))
        spec.capacity?["zero"] = Quantity(0)
        spec.capacity?["neg"] = Quantity(milliValue: -1500, format: .decimalSI)
        spec.capacity?["tiny"] = Quantity(nanoValue: 1, format: .decimalSI)
        spec.capacity?["exp"] = Quantity(nanoValue: 1_000_000_000_000, format: .decimalExponent)
        spec.capacity?["huge"] = Quantity(nanoValue: Int128(Int64.max) * 1_000_000_000, format: .binarySI)
        spec.capacity?["min"] = Quantity(nanoValue: -Int128(Int64.max) * 1_000_000_000, format: .decimalSI)
        spec.claimRef?.fieldPath = "spec.volumes[0]"
        spec.mountOptions = ["ro", nasty]
        spec.local = LocalVolumeSource(path: "/dev/sdb", fsType: "ext4")
        var pv = PersistentVolume(name: "pv-1", spec: spec)
        pv.metadata = meta
        pv.status = PersistentVolumeStatus(phase: .bound, message: nasty, reason: "Because")
        pv.status?.lastPhaseTransitionTime = Time(seconds: 253_402_300_799)  // 9999-12-31T23:59:59Z
        return pv
    }()

    static let pvc: PersistentVolumeClaim = {
        var pvc = PersistentVolumeClaim(name: "data", spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOncePod], request: Quantity(nanoValue: 1_500_000_000, format: .binarySI),
            storageClassName: "", selector: LabelSelector(
                matchLabels: ["tier": "db", "zone": ""],
                matchExpressions: [LabelSelectorRequirement(key: "env", operator: "NotIn", values: ["dev"]),
                                   LabelSelectorRequirement(key: "x", operator: "Exists")]),
            volumeMode: .filesystem, volumeName: "pv-1"))
        pvc.metadata = meta
        pvc.spec.resources?.limits = ["storage": Quantity(1 << 40), "cpu": Quantity(nanoValue: 500_000_000, format: .decimalSI)]
        pvc.status = PersistentVolumeClaimStatus(phase: .bound, accessModes: [], capacity: [:])
        return pvc
    }()

    /// A claim mid-expansion: its filesystem waits for the volume to be unused.
    static let resizingPVC: PersistentVolumeClaim = {
        var pvc = PersistentVolumeClaim(name: "grow", spec: PersistentVolumeClaimSpec(request: Quantity(2 << 30)))
        pvc.status = PersistentVolumeClaimStatus(
            phase: .bound, capacity: ["storage": Quantity(1 << 30)],
            conditions: [
                PersistentVolumeClaimCondition(
                    type: PersistentVolumeClaimCondition.fileSystemResizePending, status: "True", lastProbeTime: Time(seconds: 0),
                    lastTransitionTime: Time(seconds: 1_700_000_000), message: nasty),
                PersistentVolumeClaimCondition(type: "Resizing", status: "False"),
            ],
            allocatedResources: ["storage": Quantity(2 << 30)])
        return pvc
    }()

    static let pod: Pod = {
        var pod = Pod(name: "web-0", spec: PodSpec(nodeName: "n1", volumes: [
            PodVolume(name: "data", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: "data", readOnly: true)),
            PodVolume(name: "scratch"),
        ]))
        pod.metadata = meta
        var app = Container(name: "app", image: "nginx:1.27", command: ["/bin/sh", "-c"], args: [nasty, "", "true"],
                            volumeMounts: [VolumeMount(name: "data", mountPath: "/opt", readOnly: true, subPath: "a/b")])
        app.env = [EnvVar(name: "A", value: nasty), EnvVar(name: "B")]
        app.resources = ResourceRequirements(limits: ["cpu": try? Quantity(parsing: "500m"), "memory": try? Quantity(parsing: "64Mi")].compactMapValues { $0 })
        app.securityContext = SecurityContext(runAsUser: 1000, runAsGroup: Int64.min)
        app.volumeDevices = [VolumeDevice(name: "raw", devicePath: "/dev/xvda")]
        pod.spec.containers = [app, Container(name: "")]
        pod.spec.initContainers = [Container(name: "init", image: "busybox")]
        pod.spec.restartPolicy = "Never"
        pod.spec.terminationGracePeriodSeconds = Int64.max
        pod.spec.securityContext = PodSecurityContext(fsGroup: 2000, fsGroupChangePolicy: "OnRootMismatch")
        var status = PodStatus(phase: "Running")
        var cs = ContainerStatus(name: "app", ready: true, restartCount: 3)
        cs.state = ContainerState(running: ContainerStateRunning(startedAt: Time(seconds: 1_700_000_000)))
        cs.lastState = ContainerState(terminated: ContainerStateTerminated(exitCode: 137, reason: "OOMKilled", finishedAt: Time(seconds: 1)))
        status.containerStatuses = [cs, ContainerStatus(name: "w")]
        status.initContainerStatuses = [ContainerStatus(name: "init")]
        pod.status = status
        return pod
    }()

    static let node: Node = {
        var node = Node(name: "n1", labels: ["kubernetes.io/hostname": "n1"])
        node.metadata = meta
        node.spec = NodeSpec(unschedulable: false)
        node.status = NodeStatus(conditions: [
            NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: Time(seconds: 0), reason: "KubeletReady", message: nasty),
            NodeCondition(type: "DiskPressure", status: "False"),
        ])
        return node
    }()

    static let event: Event = {
        var e = Event(name: "pv-1.abc", namespace: "default", involvedObject: pv.reference, type: .warning,
                      reason: "ProvisioningFailed", message: nasty, at: Time(seconds: 1_795_606_642))
        e.metadata = meta
        e.count = -3
        e.involvedObject.fieldPath = "spec"
        e.source = EventSource(component: "pvd", host: "h1")
        return e
    }()

    static let storageClass: StorageClass = {
        var sc = StorageClass(name: "gold", provisioner: "pvd.dev/hostpath")
        sc.metadata = meta
        sc.parameters = ["type": "ssd", "path": "/srv", "": nasty]
        sc.reclaimPolicy = .delete
        sc.volumeBindingMode = .waitForFirstConsumer
        sc.allowVolumeExpansion = true
        sc.mountOptions = []
        sc.allowedTopologies = [
            TopologySelectorTerm(matchLabelExpressions: [TopologySelectorLabelRequirement(key: "zone", values: ["a", "b"]),
                                                         TopologySelectorLabelRequirement(key: "empty", values: [])]),
            TopologySelectorTerm(),
        ]
        return sc
    }()

    static let lease: Lease = {
        var l = Lease(name: "n1", namespace: "kube-node-lease", spec: LeaseSpec(
            holderIdentity: nasty, leaseDurationSeconds: Int32.max, acquireTime: MicroTime(seconds: 1_704_164_645, microseconds: 123_456),
            renewTime: MicroTime(seconds: -1, microseconds: 999_999), leaseTransitions: Int32.min))
        l.metadata = meta
        return l
    }()

    static let capacity: CSIStorageCapacity = {
        var c = CSIStorageCapacity(
            name: "csisc-1", namespace: "kube-system", storageClassName: nasty,
            nodeTopology: LabelSelector(matchLabels: ["kubernetes.io/hostname": "n1"],
                                        matchExpressions: [LabelSelectorRequirement(key: "zone", operator: "In", values: ["a", "b"])]),
            capacity: Quantity(nanoValue: 1_500_000_000, format: .binarySI), maximumVolumeSize: Quantity(800 << 50))
        c.metadata = meta
        return c
    }()

    static let rules = [
        PolicyRule(verbs: ["get", nasty], apiGroups: ["", "storage.k8s.io"], resources: ["persistentvolumeclaims"], resourceNames: ["a"]),
        PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz", "/api/*"]),
    ]
    static let subjects = [
        Subject(kind: "User", apiGroup: "rbac.authorization.k8s.io", name: nasty), Subject(kind: "ServiceAccount", apiGroup: "", name: "sa", namespace: "ns"),
    ]
    static let rbac: [AnyResource] = {
        var role = Role(name: "r", namespace: "team-a", rules: rules)
        role.metadata = meta
        var clusterRole = ClusterRole(name: "system:c", rules: rules)
        clusterRole.metadata = meta
        var binding = RoleBinding(name: "b", namespace: "team-a", roleRef: RoleRef(kind: "Role", name: "r"), subjects: subjects)
        binding.metadata = meta
        var clusterBinding = ClusterRoleBinding(name: "cb", roleRef: RoleRef(kind: "ClusterRole", name: "system:c"), subjects: subjects)
        clusterBinding.metadata = meta
        return [.role(role), .clusterRole(clusterRole), .roleBinding(binding), .clusterRoleBinding(clusterBinding)]
    }()

    static let minimal: [AnyResource] = [
        .storageClass(StorageClass(name: "s", provisioner: "p")),
        .persistentVolume(PersistentVolume(name: "p")),
        .persistentVolumeClaim(PersistentVolumeClaim(name: "c")),
        .pod(Pod(name: "p")),
        .node(Node(name: "n")),
        .event(Event(name: "e", namespace: "d", involvedObject: ObjectReference(), type: .normal, reason: "", message: "", at: Time(seconds: 5))),
        .lease(Lease(name: "l")),
        .csiStorageCapacity(CSIStorageCapacity(name: "c", storageClassName: "")),
        .role(Role(name: "r")),
        .clusterRole(ClusterRole(name: "c")),
        .roleBinding(RoleBinding(name: "b", roleRef: RoleRef(kind: "Role", name: "r"))),
        .clusterRoleBinding(ClusterRoleBinding(name: "cb", roleRef: RoleRef(kind: "ClusterRole", name: "c"))),
    ]

    static var fixtures: [AnyResource] {
        [.persistentVolume(pv), .persistentVolumeClaim(pvc), .persistentVolumeClaim(resizingPVC), .pod(pod), .node(node), .event(event), .storageClass(storageClass), .lease(lease),
         .csiStorageCapacity(capacity)] + rbac + minimal
    }

    // MARK: Helpers

    /// The fast writer's bytes, requiring that it did not decline.
    static func fastBytes(_ v: some FastJSONEncodable) -> [UInt8]? {
        var w = JSONWriter()
        v.writeJSON(to: &w)
        return w.unsupported ? nil : w.bytes
    }

    static func check(_ r: AnyResource, sourceLocation: SourceLocation = #_sourceLocation) throws {
        switch r {
        case .storageClass(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .persistentVolume(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .persistentVolumeClaim(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .pod(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .node(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .event(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .lease(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .csiStorageCapacity(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .role(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .clusterRole(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .roleBinding(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        case .clusterRoleBinding(let x): try checkRoundTrip(x, sourceLocation: sourceLocation)
        }
    }

    /// Fast bytes equal Foundation's; the fast reader gets the object back from them, and agrees
    /// with Foundation on a reshuffled, re-spaced copy with unknown members.
    static func checkRoundTrip<T: FastJSONEncodable & FastJSONDecodable & Equatable>(
        _ x: T, rng: inout SplitMix, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let foundation = try JSONCoding.shared.foundationEncode(x)
        let fast = fastBytes(x)
        #expect(fast == Array(foundation), "\(String(decoding: fast ?? [], as: UTF8.self))\n!=\n\(String(decoding: foundation, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(try JSONCoding.shared.encode(x) == foundation, sourceLocation: sourceLocation)

        let decoded = JSONCoding.shared.fastDecode(T.self, from: foundation)
        #expect(decoded == x, sourceLocation: sourceLocation)
        if let decoded {
            // Same value and same formats as Foundation reads (Quantity's == ignores format).
            // Not necessarily the original bytes: a binary "5000" reads back as decimal "5k".
            let again = fastBytes(decoded) ?? []
            let reference = try JSONCoding.shared.foundationEncode(JSONCoding.shared.foundationDecode(T.self, from: foundation))
            #expect(again == Array(reference), "\(String(decoding: again, as: UTF8.self))\n!=\n\(String(decoding: reference, as: UTF8.self))", sourceLocation: sourceLocation)
        } else {
            Issue.record("declined: \(String(decoding: foundation, as: UTF8.self))", sourceLocation: sourceLocation)
        }

        let tree = try JSONCoding.shared.foundationDecode(JSONValue.self, from: foundation)
        var variant: [UInt8] = []
        Self.writeVariant(tree, structural: true, path: [], to: &variant, rng: &rng)
        let viaFoundation = try JSONCoding.shared.foundationDecode(T.self, from: variant)
        let viaFast = JSONCoding.shared.fastDecode(T.self, from: variant)
        #expect(viaFast == viaFoundation, "\(String(decoding: variant, as: UTF8.self))", sourceLocation: sourceLocation)
        if let viaFast {
            #expect(fastBytes(viaFast) == Array(try JSONCoding.shared.foundationEncode(viaFoundation)), sourceLocation: sourceLocation)
        }
    }

    static func checkRoundTrip<T: FastJSONEncodable & FastJSONDecodable & Equatable>(
        _ x: T, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var rng = SplitMix(seed: 7)
        try checkRoundTrip(x, rng: &rng, sourceLocation: sourceLocation)
    }

    /// Members whose values are maps or opaque JSON: unknown members must not go in there.
    static let opaque: Set<String> = [
        "labels", "annotations", "capacity", "allocatedResources", "requests", "limits", "parameters", "matchLabels",
    ]

    /// Writes `v` as JSON with members in random order, random whitespace, and (in objects that
    /// are typed structs) unknown members of every JSON type.
    static func writeVariant(_ v: JSONValue, structural: Bool, path: [String], to out: inout [UInt8], rng: inout SplitMix) {
        func ws() {
            for _ in 0..<Int(rng.next() % 3) { out.append([0x20, 0x0A, 0x0D, 0x09][Int(rng.next() % 4)]) }
        }
        ws()
        switch v {
        case .object(let o):
            // (name, value, whether the value is a typed struct's object)
            var members = Array(o).map { ($0.key, $0.value, structural && !opaque.contains($0.key)) }
            if structural {
                members.append(("zUnknown\(rng.next() % 100)", .object(["a": .array([.int(1), .double(2.5), .null, .string("x\"")])]), false))
                members.append(("\u{00e9}xtra", .string(nasty), false))
                members.append(("nothing", .null, false))
            }
            members.shuffle(using: &rng)
            out.append(UInt8(ascii: "{"))
            for (n, (k, mv, inner)) in members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                ws()
                out.append(contentsOf: (try? JSONCoding.shared.foundationEncode(k)) ?? Data())
                ws()
                out.append(UInt8(ascii: ":"))
                writeVariant(mv, structural: inner, path: path + [k], to: &out, rng: &rng)
            }
            ws()
            out.append(UInt8(ascii: "}"))
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (n, e) in a.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                writeVariant(e, structural: structural, path: path, to: &out, rng: &rng)
            }
            out.append(UInt8(ascii: "]"))
        default:
            out.append(contentsOf: (try? JSONCoding.shared.foundationEncode(v)) ?? Data())
        }
        ws()
    }

    // MARK: Fixed objects

    @Test(arguments: fixtures)
    func richObjectsMatchFoundation(_ r: AnyResource) throws {
        try Self.check(r)
        // Through the public entry points callers use.
        let data = try JSONCoding.shared.encode(r.resource)
        #expect(try AnyResource.decode(kind: r.kind, from: data) == r)
    }

    @Test func metadataAloneMatchesFoundation() throws {
        try Self.checkRoundTrip(Self.meta)
        try Self.checkRoundTrip(ObjectMeta(name: ""))
    }

    @Test func nullsAndDefaultsReadAsCodableDoes() throws {
        let cases = [
            #"{"metadata":null,"spec":null,"status":null,"kind":null,"apiVersion":null}"#,
            #"{}"#,
            #"{"spec":{"capacity":{"storage":null,"n":1024,"s":" 1Gi ","neg":-5,"big":"1.5Ti"},"claimRef":null,"accessModes":null,"nodeAffinity":{"required":null}}}"#,
            #"{"metadata":{"name":null,"labels":null,"generation":null,"creationTimestamp":"2026-11-25T12:37:22+01:00"}}"#,
            #"{"metadata":{"creationTimestamp":"2026-11-25T11:37:22.5Z","nam\u0065":"esc\u00e9\ud83d\ude00\/"}}"#,
            #"{"status":{"phase":"Bound","lastPhaseTransitionTime":null}}"#,
        ]
        for text in cases {
            let data = Data(text.utf8)
            let foundation = try JSONCoding.shared.foundationDecode(PersistentVolume.self, from: data)
            let fast = JSONCoding.shared.fastDecode(PersistentVolume.self, from: data)
            #expect(fast == foundation, "\(text)")
            if let fast { #expect(try JSONCoding.shared.foundationEncode(fast) == JSONCoding.shared.foundationEncode(foundation)) }
        }
        let event = #"{"count":null,"involvedObject":null,"source":{"host":null},"type":"Normal"}"#
        #expect(JSONCoding.shared.fastDecode(Event.self, from: Data(event.utf8))
                == (try JSONCoding.shared.foundationDecode(Event.self, from: Data(event.utf8))))
    }

    // MARK: Fallback

    /// Inputs the fast reader declines: bad JSON, and JSON Foundation reads its own way. Either
    /// way `decode` must behave exactly as Foundation does, result or error.
    @Test(arguments: [
        #"{"metadata":{"name":5}}"#,
        #"{"metadata":{"name":"a"}"#,
        #"{"metadata":{"name":"a"}} x"#,
        #"{"spec":{"capacity":{"storage":"ten"}}}"#,
        #"{"spec":{"capacity":{"storage":true}}}"#,
        #"{"spec":{"hostPath":{}}}"#,
        #"{"spec":{"nodeAffinity":{"required":{"nodeSelectorTerms":null}}}}"#,
        #"{"metadata":{"creationTimestamp":"yesterday"}}"#,
        #"{"metadata":{"name":"\ud800"}}"#,
        "{\"metadata\":{\"name\":\"a\tb\"}}",
        #"{"metadata":{"labels":{"a":null}}}"#,
        #"{"metadata":{"generation":01}}"#,
        "",
        "[]",
        // Foundation accepts these; the fast reader leaves them to it.
        #"{"metadata":{"name":"a",}}"#,
        #"{"metadata":{"generation":1.0}}"#,
        #"{"metadata":{"generation":1e3}}"#,
        #"{"metadata":{"name":"first","name":"second"}}"#,
        #"{"metadata":{"labels":{"k":"first","k":"second"}}}"#,
        #"{"spec":{"capacity":{"storage":1.5}}}"#,
        #"{"spec":{"capacity":{"storage":1e3}}}"#,
    ])
    func declinedInputBehavesAsFoundation(_ text: String) throws {
        let data = Data(text.utf8)
        let expected = Result { try JSONCoding.shared.foundationDecode(PersistentVolume.self, from: data) }
        let actual = Result { try JSONCoding.shared.decode(PersistentVolume.self, from: data) }
        switch (expected, actual) {
        case (.success(let a), .success(let b)):
            #expect(a == b)
            #expect(try JSONCoding.shared.foundationEncode(a) == JSONCoding.shared.foundationEncode(b))
        case (.failure(let a), .failure(let b)):
            #expect(b is DecodingError)
            #expect("\(a)" == "\(b)")
        default:
            Issue.record("\(text): Foundation \(expected), JSONCoding \(actual)")
        }
    }

    @Test func malformedManifestKeepsCodingPath() throws {
        let data = Data(#"{"metadata":{"name":"x","labels":{"a":1}}}"#.utf8)
        #expect(JSONCoding.shared.fastDecode(PersistentVolumeClaim.self, from: data) == nil)
        do {
            _ = try AnyResource.decode(kind: .persistentVolumeClaim, from: data)
            Issue.record("decoded")
        } catch let error as DecodingError {
            guard case .typeMismatch(_, let context) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(context.codingPath.map(\.stringValue) == ["metadata", "labels", "a"])
        }
    }

    /// Whole doubles print without ".0" (and so read back as integers, with Foundation too).
    @Test func wholeDoublesPrintAsFoundationDoes() throws {
        for d in [2.0, -0.0, 0.0, 1e15, 1e16, 123456789012345678.0, -1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1 + 0.2] {
            let v = JSONValue.array([.double(d)])
            #expect(Self.fastBytes(v) == Array(try JSONCoding.shared.foundationEncode(v)), "\(d)")
        }
    }

    @Test func nonFiniteDoubleFallsBackToFoundationsError() {
        let value = JSONValue.array([.double(.infinity)])
        #expect(Self.fastBytes(value) == nil)
        #expect(throws: EncodingError.self) { try JSONCoding.shared.foundationEncode(value) }
    }

    @Test func jsonValueNumbersReadAsCodableDoes() throws {
        for text in ["0", "-0", "12", "-9223372036854775808", "9223372036854775807", "1.5", "-2.25e-3", "0.1", "1e-7", "1e20", "-3.5e300", "[1,2.5,{\"a\":null}]"] {
            let data = Data(text.utf8)
            let foundation = try JSONCoding.shared.foundationDecode(JSONValue.self, from: data)
            #expect(JSONCoding.shared.fastDecode(JSONValue.self, from: data) == foundation, "\(text)")
        }
        // Whole numbers in other spellings, and integers past Int64, are Foundation's call.
        for text in ["1.0", "1e2", "9223372036854775808", "1e400", "1.8446744073709550e19"] {
            #expect(JSONCoding.shared.fastDecode(JSONValue.self, from: Data(text.utf8)) == nil, "\(text)")
        }
    }

    // MARK: Pieces

    @Test func timesOutsideFourDigitYearsMatchFoundation() throws {
        for s: Int64 in [-62_135_596_800, -62_135_596_801, 253_402_300_800, -1, 0, 86_399, 951_868_799] {
            let t = Time(seconds: s)
            #expect(Self.fastBytes(t) == Array(try JSONCoding.shared.foundationEncode(t)), "\(s)")
        }
    }

    @Test func microTimesMatchFoundation() throws {
        for (s, us): (Int64, Int32) in [(0, 0), (1_704_164_645, 123_456), (-1, 999_999), (-62_135_596_801, 1), (253_402_300_800, 500_000)] {
            let t = MicroTime(seconds: s, microseconds: us)
            #expect(Self.fastBytes(t) == Array(try JSONCoding.shared.foundationEncode(t)), "\(t)")
            // Years past four digits write as Time writes them, which does not read back.
            if (-62_135_596_800..<253_402_300_800).contains(s) { try Self.checkRoundTrip(t) }
        }
        #expect(MicroTime(seconds: 1_704_164_645, microseconds: 123_456).rfc3339 == "2024-01-02T03:04:05.123456Z")
        // Other spellings read as Time reads them: fewer or more digits, none, an offset.
        for (text, us): (String, Int32) in [("2024-01-02T03:04:05.1Z", 100_000), ("2024-01-02T03:04:05.1234567Z", 123_456),
                                            ("2024-01-02T03:04:05Z", 0), ("2024-01-02T04:04:05.000010+01:00", 10)] {
            let data = Data("\"\(text)\"".utf8)
            let fast = JSONCoding.shared.fastDecode(MicroTime.self, from: data)
            #expect(fast == (try JSONCoding.shared.foundationDecode(MicroTime.self, from: data)), "\(text)")
            #expect(fast == MicroTime(seconds: 1_704_164_645, microseconds: us), "\(text)")
        }
        #expect(throws: DecodingError.self) { try JSONCoding.shared.decode(MicroTime.self, from: Data(#""2024-01-02""#.utf8)) }
    }

    /// Lease's members are int32, as in Kubernetes: a value past that range is refused.
    @Test func leaseIntegersOutsideInt32AreRefused() {
        let data = Data(#"{"spec":{"leaseDurationSeconds":2147483648}}"#.utf8)
        #expect(JSONCoding.shared.fastDecode(Lease.self, from: data) == nil)
        #expect(throws: DecodingError.self) { try JSONCoding.shared.decode(Lease.self, from: data) }
    }

    @Test func quantityShortcutsMatchGeneralCode() throws {
        var rng = SplitMix(seed: 11)
        let suffixes = ["", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "n", "e3", "i", "KI"]
        for _ in 0..<5000 {
            let digits = String(rng.next() % [10, 1000, 1_000_000, 1 << 40, 1 << 62][Int(rng.next() % 5)])
            let text = (rng.next() % 20 == 0 ? "0" : "") + digits + suffixes[Int(rng.next() % UInt64(suffixes.count))]
            let general = try? Quantity(parsing: text)
            let simple = Array(text.utf8).withUnsafeBufferPointer { Quantity.parseSimple($0) }
            if let simple {
                #expect(simple.nanoValue == general?.nanoValue && simple.format == general?.format, "\(text)")
            }
            if let general {
                #expect(Self.fastBytes(general) == Array("\"\(general.description)\"".utf8), "\(text)")
            }
        }
        for q in [Quantity(nanoValue: Int128(Int64.min) * 1_000_000_000, format: .binarySI),
                  Quantity(nanoValue: -1024 * 1_000_000_000, format: .binarySI),
                  Quantity(nanoValue: 1023 * 1_000_000_000, format: .binarySI),
                  Quantity(nanoValue: 1_000_000_000_000_000_000, format: .decimalExponent),
                  Quantity(nanoValue: 7_000_000_000, format: .decimalExponent)] {
            #expect(Self.fastBytes(q) == Array("\"\(q.description)\"".utf8), "\(q)")
        }
    }

    // MARK: Random objects

    @Test func randomObjectsRoundTrip() throws {
        var rng = SplitMix(seed: 20_261_125)
        var g = Generator(rng: SplitMix(seed: 1))
        for n in 0..<3000 {
            switch n % 6 {
            case 0: try Self.checkRoundTrip(g.pv(), rng: &rng)
            case 1: try Self.checkRoundTrip(g.pvc(), rng: &rng)
            case 2: try Self.checkRoundTrip(g.pod(), rng: &rng)
            case 3: try Self.checkRoundTrip(g.node(), rng: &rng)
            case 4: try Self.checkRoundTrip(g.event(), rng: &rng)
            default: try Self.checkRoundTrip(g.storageClass(), rng: &rng)
            }
        }
        for _ in 0..<500 { try Self.checkRoundTrip(g.lease(), rng: &rng) }
        for _ in 0..<500 { try Self.checkRoundTrip(g.capacity(), rng: &rng) }
    }
}

/// A small seeded generator, so the random test is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random model objects: every optional present or not, strings from a nasty alphabet,
/// quantities of every format, times across four-digit years, JSON trees with doubles.
struct Generator {
    var rng: SplitMix

    mutating func chance(_ percent: UInt64 = 50) -> Bool { rng.next() % 100 < percent }
    mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    static let alphabet: [String] = ["a", "b", "Z", "0", "9", "-", ".", "/", "\\", "\"", " ", "\n", "\t", "\u{0}", "\u{1F}",
                                     "\u{7F}", "é", "e\u{301}", "漢", "😀", "\u{2028}", ":", ",", "{", "}"]

    mutating func string() -> String {
        var s = ""
        for _ in 0..<int(12) { s += Self.alphabet[int(Self.alphabet.count)] }
        return s
    }

    mutating func opt<T>(_ make: (inout Generator) -> T) -> T? { chance() ? make(&self) : nil }

    mutating func strings() -> [String] { (0..<int(4)).map { _ in string() } }

    mutating func stringMap() -> [String: String] {
        var m: [String: String] = [:]
        for _ in 0..<int(5) { m[string()] = string() }
        return m
    }

    mutating func time() -> Time { Time(seconds: Int64.random(in: -62_135_596_800...253_402_300_799, using: &rng)) }

    mutating func quantity() -> Quantity {
        let formats: [Quantity.Format] = [.binarySI, .decimalSI, .decimalExponent]
        let format = formats[int(3)]
        switch int(5) {
        case 0: return Quantity(Int64(int(4)) << (10 * Int64(int(6))), format: format)
        case 1: return Quantity(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng), format: format)
        case 2: return Quantity(nanoValue: Int128(Int64.random(in: Int64.min...Int64.max, using: &rng)), format: format)
        case 3: return Quantity(milliValue: Int128(Int64.random(in: -100_000...100_000, using: &rng)), format: format)
        default: return Quantity(Int64(int(2000)) * 1000, format: format)
        }
    }

    mutating func quantities() -> [String: Quantity] {
        var m: [String: Quantity] = [:]
        for _ in 0..<int(3) { m[chance() ? "storage" : string()] = quantity() }
        return m
    }

    mutating func accessModes() -> [AccessMode] { (0..<int(3)).map { _ in chance(80) ? AccessMode.known[int(4)] : AccessMode(rawValue: string()) } }

    mutating func meta() -> ObjectMeta {
        var m = ObjectMeta(name: string(), namespace: opt { $0.string() }, labels: opt { $0.stringMap() }, annotations: opt { $0.stringMap() })
        m.uid = opt { $0.string() }
        m.resourceVersion = opt { String($0.rng.next() % 1_000_000) }
        m.generation = opt { Int64(bitPattern: $0.rng.next()) }
        m.creationTimestamp = opt { $0.time() }
        m.deletionTimestamp = opt { $0.time() }
        m.finalizers = opt { $0.strings() }
        return m
    }

    mutating func reference() -> ObjectReference {
        var r = ObjectReference(apiVersion: opt { $0.string() }, kind: opt { $0.string() }, namespace: opt { $0.string() },
                                name: opt { $0.string() }, uid: opt { $0.string() }, resourceVersion: opt { $0.string() })
        r.fieldPath = opt { $0.string() }
        return r
    }

    mutating func nodeRequirement() -> NodeSelectorRequirement {
        NodeSelectorRequirement(key: string(), operator: ["In", "NotIn", "Exists", "Gt"][int(4)], values: opt { $0.strings() })
    }

    mutating func affinity() -> VolumeNodeAffinity {
        VolumeNodeAffinity(required: opt { g in
            NodeSelector(nodeSelectorTerms: (0..<g.int(3)).map { _ in
                NodeSelectorTerm(matchExpressions: g.opt { h in (0..<h.int(3)).map { _ in h.nodeRequirement() } },
                                 matchFields: g.opt { h in (0..<h.int(2)).map { _ in h.nodeRequirement() } })
            })
        })
    }

    /// JSON trees; doubles are never whole, since Foundation reads "2" back as an integer.
    mutating func json(depth: Int = 0) -> JSONValue {
        switch int(depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(chance())
        case 2: return .int(Int64(bitPattern: rng.next()))
        case 3:
            // Below 2^49 adding a half makes any whole number fractional; past 2^64 whole
            // doubles stay doubles in Foundation too.
            if chance(10) { return .double(Double(rng.next() % 1000 + 1) * 1e30 * (chance() ? 1 : -1)) }
            let d = Double(Int64(bitPattern: rng.next()) >> 15) / Double(UInt64(1) << UInt64(int(60)))
            return d.rounded(.towardZero) == d ? .double(d + 0.5) : .double(d)
        case 4: return .string(string())
        case 5: return .array((0..<int(4)).map { _ in json(depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<int(4) { o[string()] = json(depth: depth + 1) }
            return .object(o)
        }
    }

    mutating func pv() -> PersistentVolume {
        var spec = PersistentVolumeSpec(
            accessModes: opt { $0.accessModes() }, reclaimPolicy: opt { g in ReclaimPolicy.known[g.int(3)] },
            storageClassName: opt { $0.string() }, volumeMode: opt { g in VolumeMode.known[g.int(2)] },
            claimRef: opt { $0.reference() }, nodeAffinity: opt { $0.affinity() },
            hostPath: opt { HostPathVolumeSource(path: $0.string(), type: $0.opt { $0.string() }) })
        spec.capacity = opt { $0.quantities() }
        spec.mountOptions = opt { $0.strings() }
        spec.local = opt { LocalVolumeSource(path: $0.string(), fsType: $0.opt { $0.string() }) }
        var pv = PersistentVolume(name: "", spec: spec)
        pv.metadata = meta()
        if chance() { pv.apiVersion = nil }
        if chance(20) { pv.kindName = string() }
        pv.status = opt { g in
            var s = PersistentVolumeStatus(phase: g.opt { _ in .released }, message: g.opt { $0.string() }, reason: g.opt { $0.string() })
            s.lastPhaseTransitionTime = g.opt { $0.time() }
            return s
        }
        return pv
    }

    mutating func pvc() -> PersistentVolumeClaim {
        var pvc = PersistentVolumeClaim(name: "", spec: PersistentVolumeClaimSpec(
            accessModes: opt { $0.accessModes() }, request: opt { $0.quantity() }, storageClassName: opt { $0.string() },
            selector: opt { g in
                LabelSelector(matchLabels: g.opt { $0.stringMap() }, matchExpressions: g.opt { h in
                    (0..<h.int(3)).map { _ in LabelSelectorRequirement(key: h.string(), operator: "In", values: h.opt { $0.strings() }) }
                })
            },
            volumeMode: opt { _ in .block }, volumeName: opt { $0.string() }))
        if chance() { pvc.spec.resources = VolumeResourceRequirements(requests: opt { $0.quantities() }, limits: opt { $0.quantities() }) }
        pvc.metadata = meta()
        pvc.status = opt { g in
            PersistentVolumeClaimStatus(phase: g.opt { _ in .lost }, accessModes: g.opt { $0.accessModes() }, capacity: g.opt { $0.quantities() })
        }
        return pvc
    }

    mutating func pod() -> Pod {
        var pod = Pod(name: "", spec: PodSpec(nodeName: opt { $0.string() }, volumes: opt { g in
            (0..<g.int(3)).map { _ in
                PodVolume(name: g.string(), persistentVolumeClaim: g.opt { PersistentVolumeClaimVolumeSource(claimName: $0.string(), readOnly: $0.opt { $0.chance() }) })
            }
        }))
        pod.spec.containers = opt { g in (0..<g.int(3)).map { _ in Container(name: g.string(), image: g.opt { $0.string() }, args: g.opt { g in [g.string()] }) } }
        pod.metadata = meta()
        pod.status = opt { PodStatus(phase: $0.opt { $0.string() }) }
        return pod
    }

    mutating func node() -> Node {
        var node = Node(name: "")
        node.metadata = meta()
        node.spec = opt { NodeSpec(unschedulable: $0.opt { $0.chance() }) }
        node.status = opt { g in
            NodeStatus(conditions: g.opt { h in
                (0..<h.int(3)).map { _ in
                    NodeCondition(type: h.string(), status: h.string(), lastHeartbeatTime: h.opt { $0.time() },
                                  reason: h.opt { $0.string() }, message: h.opt { $0.string() })
                }
            })
        }
        return node
    }

    mutating func event() -> Event {
        var e = Event(name: "", namespace: "", involvedObject: reference(), type: .normal, reason: "", message: "", at: time())
        e.metadata = meta()
        e.reason = opt { $0.string() }
        e.message = opt { $0.string() }
        e.type = opt { $0.string() }
        e.count = opt { Int(bitPattern: UInt($0.rng.next())) }
        e.firstTimestamp = opt { $0.time() }
        e.lastTimestamp = opt { $0.time() }
        e.source = opt { EventSource(component: $0.opt { $0.string() }, host: $0.opt { $0.string() }) }
        if chance() { e.apiVersion = nil }
        return e
    }

    mutating func microTime() -> MicroTime { MicroTime(seconds: time().seconds, microseconds: Int32(int(1_000_000))) }

    mutating func int32() -> Int32 { Int32(truncatingIfNeeded: rng.next()) }

    mutating func lease() -> Lease {
        var l = Lease(name: string())
        l.metadata = meta()
        l.spec = LeaseSpec(
            holderIdentity: opt { $0.string() }, leaseDurationSeconds: opt { $0.int32() }, acquireTime: opt { $0.microTime() },
            renewTime: opt { $0.microTime() }, leaseTransitions: opt { $0.int32() })
        if chance(10) { l.apiVersion = nil }
        return l
    }

    mutating func capacity() -> CSIStorageCapacity {
        var c = CSIStorageCapacity(
            name: string(), storageClassName: string(),
            nodeTopology: opt { g in
                LabelSelector(matchLabels: g.opt { $0.stringMap() }, matchExpressions: g.opt { h in
                    (0..<h.int(3)).map { _ in LabelSelectorRequirement(key: h.string(), operator: "In", values: h.opt { $0.strings() }) }
                })
            },
            capacity: opt { $0.quantity() }, maximumVolumeSize: opt { $0.quantity() })
        c.metadata = meta()
        if chance(10) { c.apiVersion = nil }
        return c
    }

    mutating func storageClass() -> StorageClass {
        var sc = StorageClass(name: "", provisioner: string())
        sc.metadata = meta()
        sc.parameters = opt { $0.stringMap() }
        sc.reclaimPolicy = opt { g in ReclaimPolicy.known[g.int(3)] }
        sc.volumeBindingMode = opt { g in VolumeBindingMode.known[g.int(2)] }
        sc.allowVolumeExpansion = opt { $0.chance() }
        sc.mountOptions = opt { $0.strings() }
        sc.allowedTopologies = opt { g in
            (0..<g.int(3)).map { _ in
                TopologySelectorTerm(matchLabelExpressions: g.opt { h in
                    (0..<h.int(3)).map { _ in TopologySelectorLabelRequirement(key: h.string(), values: h.strings()) }
                })
            }
        }
        return sc
    }
}
