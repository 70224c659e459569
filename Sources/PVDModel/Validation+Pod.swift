extension Pod: Validatable {
    /// Kubernetes' Pod rules for the fields pvd reads: a DNS-subdomain name and a label namespace;
    /// a DNS-subdomain node name when set; volume names that are unique RFC 1123 labels; a
    /// claimName in each persistentVolumeClaim volume; the container rules (`containerErrors`) and
    /// the security context's (`securityErrors`).
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: true)
        if let node = spec.nodeName, !node.isEmpty {
            errs += NameRules.dns1123Subdomain(node).map { .invalid("spec.nodeName", node, $0) }
        }
        var names: Set<String> = []
        for (i, volume) in (spec.volumes ?? []).enumerated() {
            let p = "spec.volumes[\(i)]"
            if volume.name.isEmpty {
                errs.append(.required("\(p).name"))
            } else {
                errs += NameRules.dns1123Label(volume.name).map { .invalid("\(p).name", volume.name, $0) }
            }
            if !names.insert(volume.name).inserted { errs.append(.duplicate("\(p).name", volume.name)) }
            if let claim = volume.persistentVolumeClaim, claim.claimName.isEmpty {
                errs.append(.required("\(p).persistentVolumeClaim.claimName"))
            }
        }
        return errs + containerErrors() + securityErrors()
    }
}
