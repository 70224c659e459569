import Testing
@testable import PVDModel

struct PersistentVolumeClaimValidationTests {
    static let base = PersistentVolumeClaim(
        name: "data", spec: PersistentVolumeClaimSpec(accessModes: [.readWriteOnce], request: gi(1)))
    static func pvc(_ change: (inout PersistentVolumeClaim) -> Void) -> PersistentVolumeClaim { modified(base, change) }
    static func selector(_ op: String, _ values: [String]? = nil, key: String = "tier") -> LabelSelector {
        LabelSelector(matchExpressions: [LabelSelectorRequirement(key: key, operator: op, values: values)])
    }
    static let storage = "spec.resources.requests[storage]"

    static let cases: [ValidationCase<PersistentVolumeClaim>] = [
        ValidationCase("minimal", base),
        ValidationCase("everything set", pvc {
            $0.metadata.name = "data.db-0"
            $0.metadata.namespace = "team-a"
            $0.spec.accessModes = [.readWriteOncePod]
            $0.spec.storageClassName = "fast"
            $0.spec.volumeMode = .block
            $0.spec.volumeName = "pv-1"
            $0.spec.selector = LabelSelector(
                matchLabels: ["app": "db"],
                matchExpressions: [.init(key: "tier", operator: "In", values: ["gold"]), .init(key: "legacy", operator: "DoesNotExist")])
        }),
        ValidationCase("no class", pvc { $0.spec.storageClassName = "" }),
        ValidationCase("unset namespace", pvc { $0.metadata.namespace = nil }),
        ValidationCase("no name", pvc { $0.metadata.name = "" }, ["metadata.name"]),
        ValidationCase("underscore in name", pvc { $0.metadata.name = "data_1" }, ["metadata.name"]),
        ValidationCase("bad namespace", pvc { $0.metadata.namespace = "Team" }, ["metadata.namespace"],
                       message: "a lowercase RFC 1123 label"),
        ValidationCase("dotted namespace", pvc { $0.metadata.namespace = "team.a" }, ["metadata.namespace"]),
        ValidationCase("namespace too long", pvc { $0.metadata.namespace = String(repeating: "n", count: 64) }, ["metadata.namespace"],
                       message: "must be no more than 63 characters"),
        ValidationCase("no access modes", pvc { $0.spec.accessModes = nil }, ["spec.accessModes"],
                       message: "Required value: at least 1 access mode is required"),
        ValidationCase("unknown access mode", pvc { $0.spec.accessModes = [AccessMode(rawValue: "RWO")] }, ["spec.accessModes"],
                       message: "Unsupported value: \"RWO\""),
        ValidationCase("ReadWriteOncePod with another mode", pvc { $0.spec.accessModes = [.readWriteMany, .readWriteOncePod] },
                       ["spec.accessModes"]),
        ValidationCase("two errors in modes", pvc { $0.spec.accessModes = [AccessMode(rawValue: "x"), AccessMode(rawValue: "y")] },
                       ["spec.accessModes", "spec.accessModes"]),
        ValidationCase("no request", pvc { $0.spec.resources = nil }, [storage], message: "Required value"),
        ValidationCase("request of something else", pvc { $0.spec.resources = VolumeResourceRequirements(requests: ["cpu": gi(1)]) }, [storage]),
        ValidationCase("zero request", pvc { $0.spec.resources?.requests?["storage"] = Quantity(0) }, [storage],
                       message: "Invalid value: \"0\": must be greater than zero"),
        ValidationCase("negative request", pvc { $0.spec.resources?.requests?["storage"] = Quantity(milliValue: -1, format: .decimalSI) },
                       [storage], message: "Invalid value: \"-1m\""),
        ValidationCase("bad class name", pvc { $0.spec.storageClassName = "-fast" }, ["spec.storageClassName"]),
        ValidationCase("unknown volume mode", pvc { $0.spec.volumeMode = VolumeMode(rawValue: "block") }, ["spec.volumeMode"]),
        ValidationCase("In without values", pvc { $0.spec.selector = selector("In") }, ["spec.selector.matchExpressions[0].values"],
                       message: "must be specified when `operator` is 'In' or 'NotIn'"),
        ValidationCase("NotIn with empty values", pvc { $0.spec.selector = selector("NotIn", []) }, ["spec.selector.matchExpressions[0].values"]),
        ValidationCase("Exists with values", pvc { $0.spec.selector = selector("Exists", ["a"]) }, ["spec.selector.matchExpressions[0].values"],
                       message: "Forbidden"),
        ValidationCase("Gt in a label selector", pvc { $0.spec.selector = selector("Gt", ["1"]) }, ["spec.selector.matchExpressions[0].operator"]),
        ValidationCase("bad expression key", pvc { $0.spec.selector = selector("Exists", key: "a/b/c") }, ["spec.selector.matchExpressions[0].key"]),
        ValidationCase("bad expression value", pvc { $0.spec.selector = selector("In", ["ok", "not ok"]) }, ["spec.selector.matchExpressions[0].values[1]"]),
        ValidationCase("bad matchLabels value", pvc { $0.spec.selector = LabelSelector(matchLabels: ["app": "-db"]) }, ["spec.selector.matchLabels"]),
        ValidationCase("several problems", PersistentVolumeClaim(name: "Data", namespace: "x", spec: PersistentVolumeClaimSpec(volumeMode: VolumeMode(rawValue: "x"))),
                       ["metadata.name", "spec.accessModes", storage, "spec.volumeMode"]),
    ]

    @Test(arguments: cases)
    func validates(_ c: ValidationCase<PersistentVolumeClaim>) { c.check() }
}
