import PVDModel
import PVDStore

/// The RBAC objects a decision reads, as plain values: bindings and roles by namespace and
/// name. The authorizer decides over one of these, whether it holds every RBAC object (the
/// watch-fed cache) or only those a single request needs (read from the store for it).
struct RBACPolicy: Sendable, Equatable {
    var clusterBindings: [String: ClusterRoleBinding] = [:]
    var bindings: [String: [String: RoleBinding]] = [:]
    var clusterRoles: [String: ClusterRole] = [:]
    var roles: [String: [String: Role]] = [:]

    /// Kubernetes' order: the cluster bindings, then the bindings of the request's namespace,
    /// each granting its role's rules to its subjects; the first rule covering the request
    /// allows it. A binding to a role that does not exist grants nothing.
    func allows(_ request: RequestAttributes) -> Bool {
        for b in clusterBindings.values where b.roleRef.kind == "ClusterRole" && RBACAuthorizer.binds(b.subjects, to: request.user) {
            if RBACAuthorizer.allows(clusterRoles[b.roleRef.name]?.rules ?? [], request) { return true }
        }
        guard !request.namespace.isEmpty, let inNamespace = bindings[request.namespace] else { return false }
        for b in inNamespace.values where RBACAuthorizer.binds(b.subjects, to: request.user) {
            let rules = b.roleRef.kind == "Role" ? roles[request.namespace]?[b.roleRef.name]?.rules : clusterRoles[b.roleRef.name]?.rules
            if RBACAuthorizer.allows(rules ?? [], request) { return true }
        }
        return false
    }

    /// Takes in one object as the store now holds it (`removed`: it is gone). An event older
    /// than what is held is skipped, so replaying a watch over a later list cannot step back.
    mutating func apply(_ object: AnyResource, removed: Bool, revision: Int64) {
        let meta = object.metadata
        let (namespace, name) = (meta.namespace ?? "", meta.name)
        func put<R: Resource>(_ value: R, in held: inout [String: R]) {
            guard (held[name]?.metadata.resourceVersion.flatMap { Int64($0) } ?? -1) <= revision else { return }
            held[name] = removed ? nil : value
        }
        switch object {
        case .clusterRoleBinding(let b): put(b, in: &clusterBindings)
        case .roleBinding(let b): put(b, in: &bindings[namespace, default: [:]])
        case .clusterRole(let r): put(r, in: &clusterRoles)
        case .role(let r): put(r, in: &roles[namespace, default: [:]])
        default: return
        }
    }

    /// The kinds a policy holds.
    static let kinds: Set<ResourceKind> = [.clusterRoleBinding, .roleBinding, .clusterRole, .role]

    /// Every RBAC object in the store, and the revision a watch continues from: read before
    /// the lists, so whatever they missed the watch brings.
    static func read(from store: any ObjectStore) async throws(StoreError) -> (RBACPolicy, revision: Int64) {
        let revision = try await store.currentRevision()
        var policy = RBACPolicy()
        for b in try await store.list(ClusterRoleBinding.self, namespace: nil, selector: nil).items { policy.clusterBindings[b.metadata.name] = b }
        for b in try await store.list(RoleBinding.self, namespace: nil, selector: nil).items {
            policy.bindings[b.metadata.namespace ?? "", default: [:]][b.metadata.name] = b
        }
        for r in try await store.list(ClusterRole.self, namespace: nil, selector: nil).items { policy.clusterRoles[r.metadata.name] = r }
        for r in try await store.list(Role.self, namespace: nil, selector: nil).items { policy.roles[r.metadata.namespace ?? "", default: [:]][r.metadata.name] = r }
        return (policy, revision)
    }

    /// Only what `request` needs, read from the store now: the bindings naming its user (the
    /// cluster's, and its namespace's) and the roles those bindings grant.
    static func read(for request: RequestAttributes, from store: any ObjectStore) async throws(StoreError) -> RBACPolicy {
        var policy = RBACPolicy()
        for b in try await store.list(ClusterRoleBinding.self, namespace: nil, selector: nil).items
        where b.roleRef.kind == "ClusterRole" && RBACAuthorizer.binds(b.subjects, to: request.user) {
            policy.clusterBindings[b.metadata.name] = b
            try await policy.loadClusterRole(b.roleRef.name, from: store)
        }
        guard !request.namespace.isEmpty else { return policy }
        for b in try await store.list(RoleBinding.self, namespace: request.namespace, selector: nil).items
        where RBACAuthorizer.binds(b.subjects, to: request.user) {
            policy.bindings[request.namespace, default: [:]][b.metadata.name] = b
            if b.roleRef.kind == "Role" {
                if policy.roles[request.namespace]?[b.roleRef.name] == nil, let r = try await Self.found(Role.self, request.namespace, b.roleRef.name, store) {
                    policy.roles[request.namespace, default: [:]][r.metadata.name] = r
                }
            } else {
                try await policy.loadClusterRole(b.roleRef.name, from: store)
            }
        }
        return policy
    }

    private mutating func loadClusterRole(_ name: String, from store: any ObjectStore) async throws(StoreError) {
        guard clusterRoles[name] == nil, let r = try await Self.found(ClusterRole.self, nil, name, store) else { return }
        clusterRoles[name] = r
    }

    /// The object, or nil when it is not there (a binding may name a role not yet made).
    private static func found<R: Resource>(_ type: R.Type, _ namespace: String?, _ name: String, _ store: any ObjectStore) async throws(StoreError) -> R? {
        do { return try await store.get(type, namespace: namespace, name: name) } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }
}
