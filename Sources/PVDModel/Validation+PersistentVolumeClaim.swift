extension PersistentVolumeClaim: Validatable {
    /// Kubernetes' PersistentVolumeClaim rules for the fields pvd uses: a DNS-subdomain name and
    /// a label namespace; at least one known access mode (ReadWriteOncePod alone); a positive
    /// storage request; a well-formed selector; a DNS-subdomain class name when not empty; a
    /// known volume mode. The request is reported at "spec.resources.requests[storage]", where
    /// Kubernetes says "spec.resources[storage]".
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: true)
        errs += accessModeErrors(spec.accessModes, at: "spec.accessModes", requiredDetail: "at least 1 access mode is required")
        if let selector = spec.selector { errs += selector.validationErrors(at: "spec.selector") }
        let storagePath = "spec.resources.requests[storage]"
        if let storage = spec.resources?.requests?["storage"] {
            errs += positiveQuantityErrors(storage, at: storagePath)
        } else {
            errs.append(.required(storagePath))
        }
        if let cls = spec.storageClassName, !cls.isEmpty {
            errs += NameRules.dns1123Subdomain(cls).map { .invalid("spec.storageClassName", cls, $0) }
        }
        errs += volumeModeErrors(spec.volumeMode, at: "spec.volumeMode")
        return errs
    }
}
