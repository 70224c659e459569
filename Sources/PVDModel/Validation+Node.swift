extension Node: Validatable {
    /// Kubernetes' Node rules for the fields pvd uses: a DNS-subdomain name and well-formed
    /// labels and annotations.
    public func validate() -> [ValidationError] {
        metadata.validationErrors(namespaced: false)
    }
}
