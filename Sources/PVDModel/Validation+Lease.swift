extension Lease {
    /// Kubernetes' Lease rules (pkg/apis/coordination/validation): a DNS-subdomain name in a
    /// namespace; a duration, when set, above zero and a transition count, when set, not below
    /// it. The spec's newer `strategy` and `preferredHolder` are not kept, so not checked.
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: true)
        if let d = spec.leaseDurationSeconds, d <= 0 {
            errs.append(.invalid("spec.leaseDurationSeconds", String(d), "must be greater than 0"))
        }
        if let t = spec.leaseTransitions, t < 0 {
            errs.append(.invalid("spec.leaseTransitions", String(t), "must be greater than or equal to 0"))
        }
        return errs
    }
}
