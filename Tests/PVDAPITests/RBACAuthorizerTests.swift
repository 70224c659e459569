import Foundation
import Logging
import PVDModel
import PVDStore
import Testing

@testable import PVDAPI

/// RBAC over roles and bindings in a real SQLite store.
struct RBACAuthorizerTests {
    func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-rbac-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(try SQLiteStore(path: dir + "/state.db"))
    }

    func ask(_ user: UserInfo, _ verb: String, _ resource: String, group: String = "", namespace: String = "", name: String = "", subresource: String = "") -> RequestAttributes {
        RequestAttributes(user: user, verb: verb, isResourceRequest: true, apiGroup: group, resource: resource, subresource: subresource, namespace: namespace, name: name)
    }

    @Test func aRoleInOneNamespaceGrantsThereOnly() async throws {
        try await withStore { store in
            _ = try await store.create(Role(name: "claims", namespace: "team-a", rules: [
                PolicyRule(verbs: ["create", "get", "list"], apiGroups: [""], resources: ["persistentvolumeclaims"]),
            ]))
            _ = try await store.create(RoleBinding(
                name: "team", namespace: "team-a", roleRef: RoleRef(kind: "Role", name: "claims"),
                subjects: [Subject(kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "team-a")]))
            let rbac = RBACAuthorizer(store: store)
            let member = UserInfo(name: "tm", groups: ["team-a", "system:authenticated"])
            let other = UserInfo(name: "x", groups: ["system:authenticated"])
            #expect(await rbac.authorize(ask(member, "create", "persistentvolumeclaims", namespace: "team-a")) == .allow)
            #expect(await rbac.authorize(ask(member, "create", "persistentvolumeclaims", namespace: "team-b")) == .noOpinion(reason: ""))
            #expect(await rbac.authorize(ask(member, "delete", "persistentvolumeclaims", namespace: "team-a")) == .noOpinion(reason: ""))
            #expect(await rbac.authorize(ask(member, "list", "persistentvolumes")) == .noOpinion(reason: ""))
            #expect(await rbac.authorize(ask(member, "get", "persistentvolumeclaims", namespace: "team-a", subresource: "status")) == .noOpinion(reason: ""))
            #expect(await rbac.authorize(ask(other, "get", "persistentvolumeclaims", namespace: "team-a")) == .noOpinion(reason: ""))
        }
    }

    @Test func theBootstrapPolicyIsKubernetesOwn() async throws {
        try await withStore { store in
            try await RBACBootstrap.ensure(store, logger: Logger(label: "test"))
            // A second start keeps what is there (and what an administrator changed).
            try await RBACBootstrap.ensure(store, logger: Logger(label: "test"))
            let rbac = RBACAuthorizer(store: store)
            let master = UserInfo(name: "root", groups: ["system:masters", "system:authenticated"])
            let anyone = UserInfo(name: "a", groups: ["system:authenticated"])
            #expect(await rbac.authorize(ask(master, "delete", "storageclasses", group: "storage.k8s.io", name: "x")) == .allow)
            #expect(await rbac.authorize(RequestAttributes(user: anyone, verb: "get", isResourceRequest: false, path: "/apis/storage.k8s.io/v1")) == .allow)
            #expect(await rbac.authorize(ask(anyone, "create", "selfsubjectaccessreviews", group: "authorization.k8s.io")) == .allow)
            #expect(await rbac.authorize(ask(anyone, "list", "persistentvolumeclaims", namespace: "default")) == .noOpinion(reason: ""))
            // `edit` bound in a namespace through a RoleBinding to the ClusterRole.
            _ = try await store.create(RoleBinding(
                name: "a-edits", namespace: "ns", roleRef: RoleRef(kind: "ClusterRole", name: "edit"),
                subjects: [Subject(kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "a")]))
            #expect(await rbac.authorize(ask(anyone, "patch", "persistentvolumeclaims", namespace: "ns", name: "c")) == .allow)
            #expect(await rbac.authorize(ask(anyone, "create", "roles", group: "rbac.authorization.k8s.io", namespace: "ns")) == .noOpinion(reason: ""))
        }
    }

    @Test(arguments: [
        (PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["*/status"]), "status", true),
        (PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["p"]), "", true),
        (PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["q"]), "", false),
        (PolicyRule(verbs: ["*"], apiGroups: ["storage.k8s.io"], resources: ["pods"]), "", false),
    ])
    func rulesMatchAsRBACMatchesThem(rule: PolicyRule, subresource: String, allowed: Bool) {
        let a = ask(UserInfo(name: "u"), "get", "pods", namespace: "n", name: "p", subresource: subresource)
        #expect(RBACAuthorizer.allows([rule], a) == allowed)
    }

    @Test func badRBACObjectsAreRefusedByValidation() {
        #expect(!Role(name: "r", rules: [PolicyRule(verbs: [], apiGroups: [""], resources: ["pods"])]).validate().isEmpty)
        #expect(!Role(name: "r", rules: [PolicyRule(verbs: ["get"], nonResourceURLs: ["/x"])]).validate().isEmpty)
        #expect(ClusterRole(name: "system:x", rules: [PolicyRule(verbs: ["get"], nonResourceURLs: ["/x"])]).validate().isEmpty)
        #expect(!ClusterRoleBinding(name: "b", roleRef: RoleRef(kind: "Role", name: "r")).validate().isEmpty)
        #expect(!RoleBinding(name: "b", roleRef: RoleRef(kind: "ClusterRole", name: "r"), subjects: [Subject(kind: "Robot", name: "r2")]).validate().isEmpty)
    }

    /// Polls `condition` every 5 ms for up to 10 s.
    func soon(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test func theCacheFollowsTheStoreAndAGrantCountsAtOnce() async throws {
        try await withStore { store in
            try await RBACBootstrap.ensure(store, logger: Logger(label: "test"))
            let cache = RBACPolicyCache(store: store, logger: Logger(label: "test"))
            let following = Task { await cache.follow() }
            defer { following.cancel() }
            let rbac = RBACAuthorizer(store: store, cache: cache)
            let user = UserInfo(name: "a", groups: ["system:authenticated"])
            let patch = ask(user, "patch", "persistentvolumeclaims", namespace: "ns", name: "c")
            #expect(try await soon { cache.current?.clusterRoles["edit"] != nil })
            #expect(cache.current?.allows(patch) == false)

            // Written after the cache's list: allowed at once (read from the store), then
            // from the cache once its watch has brought the binding.
            _ = try await store.create(RoleBinding(
                name: "a-edits", namespace: "ns", roleRef: RoleRef(kind: "ClusterRole", name: "edit"),
                subjects: [Subject(kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "a")]))
            #expect(await rbac.authorize(patch) == .allow)
            #expect(try await soon { cache.current?.allows(patch) == true })

            // The cache decides as the store does, request by request.
            let requests = [
                patch, ask(user, "patch", "persistentvolumeclaims", namespace: "other", name: "c"),
                ask(user, "create", "roles", group: "rbac.authorization.k8s.io", namespace: "ns"),
                ask(UserInfo(name: "root", groups: ["system:masters"]), "delete", "storageclasses", group: "storage.k8s.io", name: "x"),
                RequestAttributes(user: user, verb: "get", isResourceRequest: false, path: "/apis/storage.k8s.io/v1"),
            ]
            let cached = try #require(cache.current)
            for r in requests {
                #expect(cached.allows(r) == (try await RBACPolicy.read(for: r, from: store).allows(r)), "\(r.verb) \(r.resource) \(r.namespace)")
            }

            // Revoked: the cache lets go once the deletion reaches it.
            _ = try await store.delete(RoleBinding.self, namespace: "ns", name: "a-edits", uid: nil)
            #expect(try await soon { cache.current?.allows(patch) == false })
            #expect(await rbac.authorize(patch) == .noOpinion(reason: ""))

            // Stopped: no policy, so every decision reads the store again.
            following.cancel()
            #expect(try await soon { cache.current == nil })
        }
    }

    @Test func aPolicyNeverStepsBackToAnOlderEvent() {
        var policy = RBACPolicy()
        var newer = ClusterRole(name: "r", rules: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])])
        newer.metadata.resourceVersion = "7"
        policy.apply(.clusterRole(newer), removed: false, revision: 7)
        var older = ClusterRole(name: "r", rules: [])
        older.metadata.resourceVersion = "5"
        policy.apply(.clusterRole(older), removed: false, revision: 5)
        #expect(policy.clusterRoles["r"] == newer)
        policy.apply(.clusterRole(older), removed: true, revision: 6)
        #expect(policy.clusterRoles["r"] == newer)
        policy.apply(.clusterRole(newer), removed: true, revision: 9)
        #expect(policy.clusterRoles["r"] == nil)
    }
}
