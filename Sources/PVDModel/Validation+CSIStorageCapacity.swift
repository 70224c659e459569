extension CSIStorageCapacity {
    /// Kubernetes' CSIStorageCapacity rules (pkg/apis/storage/validation): a DNS-subdomain name
    /// in a namespace; a class name, required and a DNS subdomain; a well-formed node topology;
    /// capacity and maximum volume size, when set, not negative.
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: true)
        if storageClassName.isEmpty {
            errs.append(.required("storageClassName"))
        } else {
            errs += NameRules.dns1123Subdomain(storageClassName).map { .invalid("storageClassName", storageClassName, $0) }
        }
        if let t = nodeTopology { errs += t.validationErrors(at: "nodeTopology") }
        for (path, q) in [("capacity", capacity), ("maximumVolumeSize", maximumVolumeSize)] {
            if let q, q.nanoValue < 0 { errs.append(.invalid(path, q.description, "must be greater than or equal to 0")) }
        }
        return errs
    }
}
