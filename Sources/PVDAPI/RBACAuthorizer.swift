import PVDModel
import PVDStore

/// `RBAC`: Kubernetes' role-based authorizer over the Role, ClusterRole, RoleBinding and
/// ClusterRoleBinding objects in the store (plugin/pkg/auth/authorizer/rbac): the cluster
/// bindings, then the bindings of the request's namespace, each granting its role's rules to
/// its subjects; the first rule that covers the request allows it. Aggregation is not done.
/// Nothing allowing is "no opinion", so a later mode may still allow.
public struct RBACAuthorizer: Authorizer {
    public let store: any ObjectStore

    public init(store: any ObjectStore) { self.store = store }

    public func authorize(_ request: RequestAttributes) async -> AuthorizationDecision {
        do {
            for b in try await store.list(ClusterRoleBinding.self, namespace: nil, selector: nil).items
            where Self.binds(b.subjects, to: request.user) && b.roleRef.kind == "ClusterRole" {
                if Self.allows(try await clusterRules(b.roleRef.name), request) { return .allow }
            }
            guard !request.namespace.isEmpty else { return .noOpinion(reason: "") }
            for b in try await store.list(RoleBinding.self, namespace: request.namespace, selector: nil).items where Self.binds(b.subjects, to: request.user) {
                let rules = b.roleRef.kind == "Role" ? try await roleRules(request.namespace, b.roleRef.name) : try await clusterRules(b.roleRef.name)
                if Self.allows(rules, request) { return .allow }
            }
            return .noOpinion(reason: "")
        } catch {
            // The store failing is no grant; say why, as Kubernetes' RBAC does.
            return .noOpinion(reason: "RBAC: \(error)")
        }
    }

    func clusterRules(_ name: String) async throws(StoreError) -> [PolicyRule] {
        do { return try await store.get(ClusterRole.self, namespace: nil, name: name).rules ?? [] } catch {
            if error.code == .notFound { return [] }
            throw error
        }
    }

    func roleRules(_ namespace: String, _ name: String) async throws(StoreError) -> [PolicyRule] {
        do { return try await store.get(Role.self, namespace: namespace, name: name).rules ?? [] } catch {
            if error.code == .notFound { return [] }
            throw error
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
