import Testing
@testable import PVDModel

struct StorageClassValidationTests {
    static let base = StorageClass(name: "fast", provisioner: "pvd.io/hostpath")
    static func sc(_ change: (inout StorageClass) -> Void) -> StorageClass { modified(base, change) }
    static func topo(_ exprs: [TopologySelectorLabelRequirement]...) -> [TopologySelectorTerm] {
        exprs.map { TopologySelectorTerm(matchLabelExpressions: $0) }
    }
    static let host = "kubernetes.io/hostname"

    static let cases: [ValidationCase<StorageClass>] = [
        ValidationCase("minimal", base),
        ValidationCase("everything set", sc {
            $0.reclaimPolicy = .retain
            $0.volumeBindingMode = .waitForFirstConsumer
            $0.parameters = ["basePath": "/srv/pvd", "quota": "enforce"]
            $0.mountOptions = ["noatime"]
            $0.allowedTopologies = topo([.init(key: host, values: ["n1", "n2"])])
            $0.metadata.annotations = [Annotations.isDefaultClass: "true", "Example.com/Note": "x"]
        }),
        ValidationCase("namespace ignored on a cluster kind", sc { $0.metadata.namespace = "Not_A_Namespace" }),
        ValidationCase("no name", sc { $0.metadata.name = "" }, ["metadata.name"], message: "Required value: name or generateName is required"),
        ValidationCase("upper-case name", sc { $0.metadata.name = "Fast" }, ["metadata.name"], message: "Invalid value: \"Fast\": a lowercase RFC 1123 subdomain"),
        ValidationCase("dotted name", sc { $0.metadata.name = "fast.ssd" }),
        ValidationCase("name with empty label", sc { $0.metadata.name = "fast..ssd" }, ["metadata.name"]),
        ValidationCase("name too long", sc { $0.metadata.name = String(repeating: "a", count: 254) }, ["metadata.name"], message: "must be no more than 253 characters"),
        ValidationCase("no provisioner", sc { $0.provisioner = "" }, ["provisioner"], message: "Required value"),
        ValidationCase("provisioner with a space", sc { $0.provisioner = "pvd.io/host path" }, ["provisioner"]),
        ValidationCase("provisioner with two slashes", sc { $0.provisioner = "pvd.io/a/b" }, ["provisioner"]),
        ValidationCase("provisioner name part too long", sc { $0.provisioner = "pvd.io/" + String(repeating: "x", count: 64) }, ["provisioner"]),
        ValidationCase("upper-case provisioner prefix", sc { $0.provisioner = "PVD.io/hostpath" }),
        ValidationCase("recycling class", sc { $0.reclaimPolicy = .recycle }, ["reclaimPolicy"], message: "Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\""),
        ValidationCase("unknown binding mode", sc { $0.volumeBindingMode = VolumeBindingMode(rawValue: "Later") }, ["volumeBindingMode"], message: "supported values: \"Immediate\", \"WaitForFirstConsumer\""),
        ValidationCase("empty parameter key", sc { $0.parameters = ["": "x"] }, ["parameters"]),
        ValidationCase("too many parameters", sc {
            $0.parameters = Dictionary(uniqueKeysWithValues: (0...512).map { ("k\($0)", "v") })
        }, ["parameters"]),
        ValidationCase("topology without values", sc { $0.allowedTopologies = topo([.init(key: host, values: [])]) },
                       ["allowedTopologies[0].matchLabelExpressions[0].values"]),
        ValidationCase("topology duplicate value", sc { $0.allowedTopologies = topo([.init(key: host, values: ["n1", "n1"])]) },
                       ["allowedTopologies[0].matchLabelExpressions[0].values[1]"], message: "Duplicate value: \"n1\""),
        ValidationCase("topology bad key", sc { $0.allowedTopologies = topo([.init(key: "bad key", values: ["n1"])]) },
                       ["allowedTopologies[0].matchLabelExpressions[0].key"]),
        ValidationCase("topology duplicate key", sc {
            $0.allowedTopologies = topo([.init(key: host, values: ["n1"]), .init(key: host, values: ["n2"])])
        }, ["allowedTopologies[0].matchLabelExpressions[1].key"]),
        ValidationCase("duplicate topology terms", sc {
            $0.allowedTopologies = topo([.init(key: host, values: ["n1"])], [.init(key: host, values: ["n1"])])
        }, ["allowedTopologies[1].matchLabelExpressions"]),
        ValidationCase("bad label key", sc { $0.metadata.labels = ["-tier": "a"] }, ["metadata.labels"]),
        ValidationCase("bad label value", sc { $0.metadata.labels = ["tier": "a b"] }, ["metadata.labels"]),
        ValidationCase("bad annotation key", sc { $0.metadata.annotations = ["bad key": "x"] }, ["metadata.annotations"]),
        ValidationCase("annotations too large", sc { $0.metadata.annotations = ["big": String(repeating: "x", count: 256 * 1024)] },
                       ["metadata.annotations"], message: "Too long"),
    ]

    @Test(arguments: cases)
    func validates(_ c: ValidationCase<StorageClass>) { c.check() }
}
