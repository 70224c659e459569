/// The names Kubernetes gives a kind in messages and output, beside the ones in its descriptor.
extension ResourceKind {
    /// kubectl's "kind/name" prefix: "persistentvolumeclaim", "storageclass.storage.k8s.io",
    /// "lease.coordination.k8s.io" (the group named for every kind outside the core group).
    public var qualifiedName: String {
        let group = descriptor.group
        return group.isEmpty ? rawValue.lowercased() : "\(rawValue.lowercased()).\(group)"
    }

    /// The group-resource as the API server's errors name it: `persistentvolumeclaims`,
    /// `storageclasses.storage.k8s.io` (as in `storageclasses.storage.k8s.io "x" not found`).
    public var qualifiedPlural: String {
        let group = descriptor.group
        return group.isEmpty ? plural : "\(plural).\(group)"
    }
}
