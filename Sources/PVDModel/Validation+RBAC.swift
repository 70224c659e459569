/// Kubernetes' RBAC rules (pkg/apis/rbac/validation): names are path segments (so `system:…`
/// names are fine), every rule names verbs, resource rules name API groups, a namespaced
/// role's rules cannot name non-resource URLs, a cluster role's rule names resources or
/// non-resource URLs but not both, and bindings refer to a role of a kind they may bind to
/// subjects that are users, groups or service accounts.
enum RBACValidation {
    static func rules(_ rules: [PolicyRule]?, namespaced: Bool) -> [ValidationError] {
        var errs: [ValidationError] = []
        for (i, r) in (rules ?? []).enumerated() {
            let f = "rules[\(i)]"
            if r.verbs.isEmpty { errs.append(.required("\(f).verbs", "verbs must contain at least one value")) }
            let urls = r.nonResourceURLs ?? []
            if namespaced && !urls.isEmpty {
                errs.append(.invalid("\(f).nonResourceURLs", urls.joined(separator: ","), "namespaced rules cannot apply to non-resource URLs"))
            }
            let resources = r.resources ?? []
            if !urls.isEmpty && (!resources.isEmpty || !(r.apiGroups ?? []).isEmpty) {
                errs.append(.invalid("\(f).nonResourceURLs", urls.joined(separator: ","), "rules cannot apply to both regular resources and non-resource URLs"))
            }
            if urls.isEmpty {
                if resources.isEmpty { errs.append(.required("\(f).resources", "resource rules must supply at least one resource")) }
                if (r.apiGroups ?? []).isEmpty { errs.append(.required("\(f).apiGroups", "resource rules must supply at least one api group")) }
            }
        }
        return errs
    }

    static func binding(roleRef: RoleRef, subjects: [Subject]?, kinds: [String]) -> [ValidationError] {
        var errs: [ValidationError] = []
        if roleRef.apiGroup != "rbac.authorization.k8s.io" {
            errs.append(.notSupported("roleRef.apiGroup", roleRef.apiGroup, ["rbac.authorization.k8s.io"]))
        }
        if !kinds.contains(roleRef.kind) { errs.append(.notSupported("roleRef.kind", roleRef.kind, kinds)) }
        if roleRef.name.isEmpty {
            errs.append(.required("roleRef.name"))
        } else {
            errs += NameRules.pathSegment(roleRef.name).map { .invalid("roleRef.name", roleRef.name, $0) }
        }
        for (i, s) in (subjects ?? []).enumerated() {
            let f = "subjects[\(i)]"
            if s.name.isEmpty { errs.append(.required("\(f).name")) }
            switch s.kind {
            case "User", "Group":
                if let g = s.apiGroup, g != "rbac.authorization.k8s.io" {
                    errs.append(.notSupported("\(f).apiGroup", g, ["rbac.authorization.k8s.io"]))
                }
            case "ServiceAccount":
                if let g = s.apiGroup, !g.isEmpty { errs.append(.notSupported("\(f).apiGroup", g, [""])) }
            default:
                errs.append(.notSupported("\(f).kind", s.kind, ["ServiceAccount", "User", "Group"]))
            }
        }
        return errs
    }
}

extension Role {
    public func validate() -> [ValidationError] {
        metadata.validationErrors(namespaced: true, nameRule: NameRules.pathSegment) + RBACValidation.rules(rules, namespaced: true)
    }
    public static let selectableFields: [SelectableField<Role>] = [.metadataName, .metadataNamespace]
}

extension ClusterRole {
    public func validate() -> [ValidationError] {
        metadata.validationErrors(namespaced: false, nameRule: NameRules.pathSegment) + RBACValidation.rules(rules, namespaced: false)
    }
    public static let selectableFields: [SelectableField<ClusterRole>] = [.metadataName]
}

extension RoleBinding {
    public func validate() -> [ValidationError] {
        metadata.validationErrors(namespaced: true, nameRule: NameRules.pathSegment)
            + RBACValidation.binding(roleRef: roleRef, subjects: subjects, kinds: ["Role", "ClusterRole"])
    }
    public static let selectableFields: [SelectableField<RoleBinding>] = [.metadataName, .metadataNamespace]
}

extension ClusterRoleBinding {
    public func validate() -> [ValidationError] {
        metadata.validationErrors(namespaced: false, nameRule: NameRules.pathSegment)
            + RBACValidation.binding(roleRef: roleRef, subjects: subjects, kinds: ["ClusterRole"])
    }
    public static let selectableFields: [SelectableField<ClusterRoleBinding>] = [.metadataName]
}
