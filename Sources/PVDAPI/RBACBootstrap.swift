import Logging
import PVDModel
import PVDStore

/// The roles and bindings Kubernetes bootstraps (plugin/pkg/auth/authorizer/rbac/bootstrappolicy),
/// as far as pvd's kinds go: `cluster-admin` for the group `system:masters`, `admin`, `edit` and
/// `view` to bind in namespaces, and discovery, `/version` and access reviews for every
/// authenticated user. Made when the API starts under RBAC if missing; never overwritten, so an
/// administrator's changes stay.
public enum RBACBootstrap {
    static let group = "rbac.authorization.k8s.io"
    static let read = ["get", "list", "watch"]
    static let write = ["create", "delete", "deletecollection", "patch", "update"]

    public static var clusterRoles: [ClusterRole] {
        [
            ClusterRole(name: "cluster-admin", rules: [
                PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"]),
            ]),
            ClusterRole(name: "admin", rules: [
                PolicyRule(verbs: read + write, apiGroups: [""], resources: ["persistentvolumeclaims", "pods"]),
                PolicyRule(verbs: read, apiGroups: [""], resources: ["events", "persistentvolumeclaims/status", "pods/status"]),
                PolicyRule(verbs: read + write, apiGroups: [group], resources: ["roles", "rolebindings"]),
                PolicyRule(verbs: read + write, apiGroups: ["coordination.k8s.io"], resources: ["leases"]),
            ]),
            ClusterRole(name: "edit", rules: [
                PolicyRule(verbs: read + write, apiGroups: [""], resources: ["persistentvolumeclaims", "pods"]),
                PolicyRule(verbs: read, apiGroups: [""], resources: ["events", "persistentvolumeclaims/status", "pods/status"]),
                PolicyRule(verbs: read + write, apiGroups: ["coordination.k8s.io"], resources: ["leases"]),
            ]),
            ClusterRole(name: "view", rules: [
                PolicyRule(verbs: read, apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "pods/status", "events"]),
            ]),
            ClusterRole(name: "system:discovery", rules: [
                PolicyRule(verbs: ["get"], nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/version", "/version/", "/openapi", "/openapi/*"]),
            ]),
            ClusterRole(name: "system:basic-user", rules: [
                PolicyRule(verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews"]),
            ]),
        ]
    }

    public static var clusterRoleBindings: [ClusterRoleBinding] {
        func binding(_ role: String, group subject: String) -> ClusterRoleBinding {
            ClusterRoleBinding(name: role, roleRef: RoleRef(kind: "ClusterRole", name: role), subjects: [Subject(kind: "Group", apiGroup: group, name: subject)])
        }
        return [
            binding("cluster-admin", group: "system:masters"), binding("system:discovery", group: "system:authenticated"),
            binding("system:basic-user", group: "system:authenticated"),
        ]
    }

    /// Creates each default object the store lacks.
    public static func ensure(_ store: any ObjectStore, logger: Logger) async throws(StoreError) {
        for role in clusterRoles {
            if try await create(role, store) { logger.notice("RBAC default made", metadata: ["pvd.api.clusterrole": "\(role.metadata.name)"]) }
        }
        for binding in clusterRoleBindings {
            if try await create(binding, store) {
                logger.notice("RBAC default made", metadata: ["pvd.api.clusterrolebinding": "\(binding.metadata.name)"])
            }
        }
    }

    private static func create<R: Resource>(_ object: R, _ store: any ObjectStore) async throws(StoreError) -> Bool {
        do {
            _ = try await store.create(object)
            return true
        } catch {
            if error.code == .alreadyExists { return false }
            throw error
        }
    }
}
