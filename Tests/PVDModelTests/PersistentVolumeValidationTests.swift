import Testing
@testable import PVDModel

struct PersistentVolumeValidationTests {
    static let base = PersistentVolume(
        name: "pv-1",
        spec: PersistentVolumeSpec(capacity: gi(10), accessModes: [.readWriteOnce], hostPath: HostPathVolumeSource(path: "/srv/pv-1")))
    static func pv(_ change: (inout PersistentVolume) -> Void) -> PersistentVolume { modified(base, change) }
    static func affinity(_ exprs: [NodeSelectorRequirement] = [], fields: [NodeSelectorRequirement]? = nil) -> VolumeNodeAffinity {
        VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [NodeSelectorTerm(matchExpressions: exprs, matchFields: fields)]))
    }
    static func expr(_ op: String, _ values: [String]? = nil, key: String = "kubernetes.io/hostname") -> NodeSelectorRequirement {
        NodeSelectorRequirement(key: key, operator: op, values: values)
    }
    static let term0 = "spec.nodeAffinity.required.nodeSelectorTerms[0]"

    static let cases: [ValidationCase<PersistentVolume>] = [
        ValidationCase("hostPath volume", base),
        ValidationCase("local volume with everything", pv {
            $0.spec.hostPath = nil
            $0.spec.local = LocalVolumeSource(path: "/mnt/disks/ssd1", fsType: "ext4")
            $0.spec.nodeAffinity = affinity([expr("In", ["node-1"])])
            $0.spec.accessModes = [.readWriteOnce, .readOnlyMany, .readWriteMany]
            $0.spec.persistentVolumeReclaimPolicy = .retain
            $0.spec.storageClassName = "local-ssd"
            $0.spec.volumeMode = .block
            $0.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "data")
        }),
        ValidationCase("ReadWriteOncePod alone", pv { $0.spec.accessModes = [.readWriteOncePod] }),
        ValidationCase("empty class name", pv { $0.spec.storageClassName = "" }),
        ValidationCase("everything missing", PersistentVolume(name: "pv-1"), ["spec.accessModes", "spec.capacity", "spec"]),
        ValidationCase("no access modes", pv { $0.spec.accessModes = nil }, ["spec.accessModes"], message: "Required value"),
        ValidationCase("empty access modes", pv { $0.spec.accessModes = [] }, ["spec.accessModes"]),
        ValidationCase("unknown access mode", pv { $0.spec.accessModes = [AccessMode(rawValue: "ReadWriteSometimes")] },
                       ["spec.accessModes"],
                       message: "Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""),
        ValidationCase("ReadWriteOncePod with another mode", pv { $0.spec.accessModes = [.readWriteOncePod, .readWriteOnce] },
                       ["spec.accessModes"], message: "Forbidden: may not use ReadWriteOncePod with other access modes"),
        ValidationCase("no capacity", pv { $0.spec.capacity = nil }, ["spec.capacity"], message: "Required value"),
        ValidationCase("zero capacity", pv { $0.spec.capacity = ["storage": Quantity(0)] }, ["spec.capacity[storage]"],
                       message: "Invalid value: \"0\": must be greater than zero"),
        ValidationCase("negative capacity", pv { $0.spec.capacity = ["storage": gi(-1)] }, ["spec.capacity[storage]"],
                       message: "Invalid value: \"-1Gi\""),
        ValidationCase("capacity other than storage", pv { $0.spec.capacity = ["storage": gi(1), "cpu": Quantity(1)] },
                       ["spec.capacity"], message: "Unsupported value: \"cpu\": supported values: \"storage\""),
        ValidationCase("unknown reclaim policy", pv { $0.spec.persistentVolumeReclaimPolicy = ReclaimPolicy(rawValue: "Keep") },
                       ["spec.persistentVolumeReclaimPolicy"], message: "supported values: \"Delete\", \"Recycle\", \"Retain\""),
        ValidationCase("recycled hostPath", pv { $0.spec.persistentVolumeReclaimPolicy = .recycle }),
        ValidationCase("recycled hostPath of /", pv {
            $0.spec.persistentVolumeReclaimPolicy = .recycle
            $0.spec.hostPath = HostPathVolumeSource(path: "//./")
        }, ["spec.persistentVolumeReclaimPolicy"], message: "Forbidden: may not be 'recycle' for a hostPath mount of '/'"),
        ValidationCase("no volume source", pv { $0.spec.hostPath = nil }, ["spec"], message: "must specify a volume type"),
        ValidationCase("two volume sources", pv {
            $0.spec.local = LocalVolumeSource(path: "/mnt/x")
            $0.spec.nodeAffinity = affinity([expr("Exists")])
        }, ["spec.local"], message: "may not specify more than 1 volume type"),
        ValidationCase("empty hostPath", pv { $0.spec.hostPath?.path = "" }, ["spec.hostPath.path"]),
        ValidationCase("relative hostPath", pv { $0.spec.hostPath?.path = "srv/pv" }, ["spec.hostPath.path"], message: "must be an absolute path"),
        ValidationCase("hostPath with ..", pv { $0.spec.hostPath?.path = "/srv/../etc" }, ["spec.hostPath.path"], message: "must not contain '..'"),
        ValidationCase("hostPath with ..x", pv { $0.spec.hostPath?.path = "/srv/..x" }),
        ValidationCase("hostPath type", pv { $0.spec.hostPath?.type = "DirectoryOrCreate" }),
        ValidationCase("unknown hostPath type", pv { $0.spec.hostPath?.type = "Folder" }, ["spec.hostPath.type"]),
        ValidationCase("local without node affinity", pv {
            $0.spec.hostPath = nil
            $0.spec.local = LocalVolumeSource(path: "/mnt/x")
        }, ["spec.nodeAffinity"], message: "Local volume requires node affinity"),
        ValidationCase("relative local path", pv {
            $0.spec.hostPath = nil
            $0.spec.local = LocalVolumeSource(path: "mnt/x")
            $0.spec.nodeAffinity = affinity([expr("Exists")])
        }, ["spec.local.path"]),
        ValidationCase("affinity without required", pv { $0.spec.nodeAffinity = VolumeNodeAffinity() }, ["spec.nodeAffinity.required"]),
        ValidationCase("affinity without terms", pv { $0.spec.nodeAffinity = VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [])) },
                       ["spec.nodeAffinity.required.nodeSelectorTerms"]),
        ValidationCase("In without values", pv { $0.spec.nodeAffinity = affinity([expr("In", [])]) }, ["\(term0).matchExpressions[0].values"]),
        ValidationCase("NotIn without values", pv { $0.spec.nodeAffinity = affinity([expr("NotIn")]) }, ["\(term0).matchExpressions[0].values"]),
        ValidationCase("Exists with values", pv { $0.spec.nodeAffinity = affinity([expr("Exists", ["x"])]) }, ["\(term0).matchExpressions[0].values"]),
        ValidationCase("DoesNotExist", pv { $0.spec.nodeAffinity = affinity([expr("DoesNotExist")]) }),
        ValidationCase("Gt with one integer", pv { $0.spec.nodeAffinity = affinity([expr("Gt", ["5"], key: "disks")]) }),
        ValidationCase("Lt with two values", pv { $0.spec.nodeAffinity = affinity([expr("Lt", ["1", "2"], key: "disks")]) },
                       ["\(term0).matchExpressions[0].values"]),
        ValidationCase("Gt with a word", pv { $0.spec.nodeAffinity = affinity([expr("Gt", ["five"], key: "disks")]) },
                       ["\(term0).matchExpressions[0].values[0]"]),
        ValidationCase("unknown operator", pv { $0.spec.nodeAffinity = affinity([expr("Equals", ["a"])]) },
                       ["\(term0).matchExpressions[0].operator"], message: "not a valid selector operator"),
        ValidationCase("bad key", pv { $0.spec.nodeAffinity = affinity([expr("Exists", key: "-x")]) }, ["\(term0).matchExpressions[0].key"]),
        ValidationCase("bad value", pv { $0.spec.nodeAffinity = affinity([expr("In", ["a b"])]) }, ["\(term0).matchExpressions[0].values[0]"]),
        ValidationCase("match field", pv { $0.spec.nodeAffinity = affinity(fields: [expr("In", ["node-1"], key: "metadata.name")]) }),
        ValidationCase("match field on another key", pv { $0.spec.nodeAffinity = affinity(fields: [expr("In", ["x"], key: "metadata.uid")]) },
                       ["\(term0).matchFields[0].key"]),
        ValidationCase("match field with two values", pv {
            $0.spec.nodeAffinity = affinity(fields: [expr("In", ["a", "b"], key: "metadata.name")])
        }, ["\(term0).matchFields[0].values"]),
        ValidationCase("match field Exists", pv { $0.spec.nodeAffinity = affinity(fields: [expr("Exists", key: "metadata.name")]) },
                       ["\(term0).matchFields[0].operator"]),
        ValidationCase("bad class name", pv { $0.spec.storageClassName = "Fast_SSD" }, ["spec.storageClassName"]),
        ValidationCase("unknown volume mode", pv { $0.spec.volumeMode = VolumeMode(rawValue: "Raw") }, ["spec.volumeMode"],
                       message: "Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""),
        ValidationCase("claimRef without name", pv { $0.spec.claimRef = ObjectReference(namespace: "default") }, ["spec.claimRef.name"]),
        ValidationCase("claimRef without namespace", pv { $0.spec.claimRef = ObjectReference(name: "data") }, ["spec.claimRef.namespace"]),
    ]

    @Test(arguments: cases)
    func validates(_ c: ValidationCase<PersistentVolume>) { c.check() }

    @Test(arguments: [("/", "/"), ("//./", "/"), ("/a/../", "/"), ("/a/b/..", "/a"), ("a/./b", "a/b"), ("/..", "/")])
    func cleansPaths(_ path: String, _ clean: String) {
        #expect(PersistentVolume.cleaned(path) == clean)
    }
}
