import PVDModel

/// How Kubernetes merges each field of pvd's kinds, by the field's name, for both strategic
/// merge patch and server-side apply: lists keyed by a member (containers by `name`), lists of
/// scalars kept as sets (`finalizers`), structs that are one value (a label selector), and by
/// default maps merged member by member and every other list replaced whole.
enum MergeRules {
    /// The merge key of a list field's elements, by the field's name.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name", "env": "name",
        "imagePullSecrets": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath", "ports": "containerPort",
        "conditions": "type", "ownerReferences": "uid",
    ]
    /// Lists of scalars merged as sets.
    static let setLists: Set<String> = ["finalizers"]
    /// Structs Kubernetes marks `+structType=atomic` (or `+mapType=atomic`): one manager owns
    /// the whole value, and an apply replaces it whole.
    static let atomicStructs: Set<String> = ["selector", "claimRef", "dataSource", "dataSourceRef", "required", "roleRef"]
}
