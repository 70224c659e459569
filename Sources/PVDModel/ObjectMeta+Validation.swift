extension ObjectMeta {
    /// The limit Kubernetes puts on the total size of an object's annotation keys and values.
    static let totalAnnotationSizeLimit = 256 * 1024

    /// Kubernetes' ObjectMeta rules: a name that passes `nameRule`; for namespaced kinds a
    /// namespace that is an RFC 1123 label when set (unset means "default"); label keys and
    /// values, annotation keys and finalizers well formed. A namespace on a cluster-scoped kind is
    /// ignored, as Kubernetes' API server clears it.
    func validationErrors(namespaced: Bool, nameRule: (String) -> [String] = NameRules.dns1123Subdomain) -> [ValidationError] {
        var errs: [ValidationError] = []
        if name.isEmpty {
            errs.append(.required("metadata.name", "name or generateName is required"))
        } else {
            errs += nameRule(name).map { .invalid("metadata.name", name, $0) }
        }
        if namespaced, let ns = namespace, !ns.isEmpty {
            errs += NameRules.dns1123Label(ns).map { .invalid("metadata.namespace", ns, $0) }
        }
        if let g = generation, g < 0 {
            errs.append(.invalid("metadata.generation", String(g), "must be greater than or equal to 0"))
        }
        for (k, v) in (labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            errs += NameRules.qualifiedName(k).map { .invalid("metadata.labels", k, $0) }
            errs += NameRules.labelValue(v).map { .invalid("metadata.labels", v, $0) }
        }
        var annotationBytes = 0
        for (k, v) in (annotations ?? [:]).sorted(by: { $0.key < $1.key }) {
            // Kubernetes checks annotation keys lower-cased, so upper case is allowed in them.
            errs += NameRules.qualifiedName(k.lowercased()).map { .invalid("metadata.annotations", k, $0) }
            annotationBytes += k.utf8.count + v.utf8.count
        }
        if annotationBytes > Self.totalAnnotationSizeLimit {
            errs.append(.tooLong("metadata.annotations", Self.totalAnnotationSizeLimit))
        }
        for f in finalizers ?? [] {
            errs += NameRules.qualifiedName(f).map { .invalid("metadata.finalizers", f, $0) }
        }
        for (i, entry) in (managedFields ?? []).enumerated() {
            let at = "metadata.managedFields[\(i)]"
            if let op = entry.operation, op != "Apply", op != "Update" {
                errs.append(.notSupported(at + ".operation", op, ["Apply", "Update"]))
            }
            if let t = entry.fieldsType, t != "FieldsV1" { errs.append(.notSupported(at + ".fieldsType", t, ["FieldsV1"])) }
            if (entry.manager ?? "").utf8.count > 128 { errs.append(.tooLong(at + ".manager", 128, unit: "characters")) }
            switch entry.fieldsV1 {
            case nil, .object?: break
            default: errs.append(.invalid(at + ".fieldsV1", "", "must be a JSON object"))
            }
        }
        return errs
    }
}
