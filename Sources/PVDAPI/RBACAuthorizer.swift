import PVDModel
import PVDStore

/// `RBAC`: Kubernetes' role-based authorizer over the Role, ClusterRole, RoleBinding and
/// ClusterRoleBinding objects in the store (plugin/pkg/auth/authorizer/rbac), deciding as
/// `RBACPolicy.allows` does. Aggregation is not done. Nothing allowing is "no opinion", so a
/// later mode may still allow. With a cache, what it allows needs no read; anything else is
/// read from the store, so a grant just written is never refused.
public struct RBACAuthorizer: Authorizer {
    public let store: any ObjectStore
    let cache: RBACPolicyCache?

    public init(store: any ObjectStore, cache: RBACPolicyCache? = nil) {
        self.store = store
        self.cache = cache
    }

    public func authorize(_ request: RequestAttributes) async -> AuthorizationDecision {
        if let policy = cache?.current, policy.allows(request) { return .allow }
        do {
            return try await RBACPolicy.read(for: request, from: store).allows(request) ? .allow : .noOpinion(reason: "")
        } catch {
            // The store failing is no grant; say why, as Kubernetes' RBAC does.
            return .noOpinion(reason: "RBAC: \(error)")
        }
    }

    /// Whether a binding's subjects include the user: by name, by one of its groups, or as the
    /// service account whose user name is `system:serviceaccount:<ns>:<name>`.
    static func binds(_ subjects: [Subject]?, to user: UserInfo) -> Bool {
        (subjects ?? []).contains { s in
            switch s.kind {
            case "User": s.name == user.name
            case "Group": user.groups.contains(s.name)
            case "ServiceAccount": user.name == "system:serviceaccount:\(s.namespace ?? ""):\(s.name)"
            default: false
            }
        }
    }

    /// RBAC's RuleAllows over a list of rules.
    static func allows(_ rules: [PolicyRule], _ r: RequestAttributes) -> Bool {
        rules.contains { rule in
            guard rule.verbs.contains(r.verb) || rule.verbs.contains("*") else { return false }
            if !r.isResourceRequest {
                return (rule.nonResourceURLs ?? []).contains { url in
                    url == "*" || url == r.path || (url.hasSuffix("*") && r.path.hasPrefix(String(url.dropLast())))
                }
            }
            let groups = rule.apiGroups ?? []
            guard groups.contains(r.apiGroup) || groups.contains("*") else { return false }
            let combined = r.subresource.isEmpty ? r.resource : "\(r.resource)/\(r.subresource)"
            let resources = rule.resources ?? []
            guard resources.contains(combined) || resources.contains("*") || (!r.subresource.isEmpty && resources.contains("*/\(r.subresource)")) else {
                return false
            }
            let names = rule.resourceNames ?? []
            return names.isEmpty || names.contains(r.name)
        }
    }
}
