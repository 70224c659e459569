/// Kubernetes' RBAC objects (rbac.authorization.k8s.io/v1): roles hold rules, bindings grant a
/// role to subjects, in one namespace (Role, RoleBinding) or the whole cluster (ClusterRole,
/// ClusterRoleBinding). Their JSON codecs, fast and Foundation, are generated from
/// `Schema/Role.json`, `ClusterRole.json`, `RoleBinding.json` and `ClusterRoleBinding.json`.
public struct Role: Resource {
    public static let kind = ResourceKind.role
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?

    public init(name: String, namespace: String = "default", rules: [PolicyRule]? = nil) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.rules = rules
        setTypeMeta()
    }
}

/// A role across the cluster (and for non-resource paths and cluster-scoped kinds).
public struct ClusterRole: Resource {
    public static let kind = ResourceKind.clusterRole
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?

    public init(name: String, rules: [PolicyRule]? = nil) {
        self.metadata = ObjectMeta(name: name)
        self.rules = rules
        setTypeMeta()
    }
}

/// One rule: these verbs on these resources of these API groups (optionally only these names),
/// or on these non-resource URLs. `*` matches everything in its list.
public struct PolicyRule: Codable, Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]?
    public var resources: [String]?
    public var resourceNames: [String]?
    public var nonResourceURLs: [String]?

    public init(verbs: [String], apiGroups: [String]? = nil, resources: [String]? = nil, resourceNames: [String]? = nil, nonResourceURLs: [String]? = nil) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }
}

/// Grants a Role or ClusterRole to subjects within one namespace.
public struct RoleBinding: Resource {
    public static let kind = ResourceKind.roleBinding
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    public var roleRef: RoleRef

    public init(name: String, namespace: String = "default", roleRef: RoleRef, subjects: [Subject]? = nil) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.roleRef = roleRef
        self.subjects = subjects
        setTypeMeta()
    }
}

/// Grants a ClusterRole to subjects across the cluster.
public struct ClusterRoleBinding: Resource {
    public static let kind = ResourceKind.clusterRoleBinding
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    public var roleRef: RoleRef

    public init(name: String, roleRef: RoleRef, subjects: [Subject]? = nil) {
        self.metadata = ObjectMeta(name: name)
        self.roleRef = roleRef
        self.subjects = subjects
        setTypeMeta()
    }
}

/// The role a binding grants: kind `Role` or `ClusterRole`, by name.
public struct RoleRef: Codable, Sendable, Hashable {
    public var apiGroup: String
    public var kind: String
    public var name: String

    public init(apiGroup: String = "rbac.authorization.k8s.io", kind: String, name: String) {
        self.apiGroup = apiGroup
        self.kind = kind
        self.name = name
    }
}

/// Who a binding grants to: a `User`, a `Group` or a `ServiceAccount` (in `namespace`).
public struct Subject: Codable, Sendable, Hashable {
    public var kind: String
    public var apiGroup: String?
    public var name: String
    public var namespace: String?

    public init(kind: String, apiGroup: String? = nil, name: String, namespace: String? = nil) {
        self.kind = kind
        self.apiGroup = apiGroup
        self.name = name
        self.namespace = namespace
    }
}
