import PVDModel

/// What a node's identity may do through the API (`--authorization-mode Node`), pure over
/// values. A node is the user `system:node:<name>` in the group `system:nodes`, as Kubernetes'
/// node identifier reads it; a pvd daemon on that node talks as it.
///
/// It may read every kind a node's controllers read (all but the RBAC kinds). It may write its
/// own Node (and its status), its Lease in `kube-node-lease`, Events, and the objects that are
/// its own: PersistentVolumes pinned to it (`kubernetes.io/hostname In [node]`), Pods bound to it
/// (`spec.nodeName`), and the CSIStorageCapacity objects it publishes. Kubernetes' Node mode
/// reads through its graph of a node's Pods; pvd's node daemons list every claim and volume to
/// provision and reclaim, so reads are not narrowed. Everything else is no opinion, so a later
/// mode (RBAC) may still allow it.
///
/// The authorizer sees names, not bodies: a create, and what an update turns an object into,
/// are checked by `restriction`, Kubernetes' NodeRestriction admission, so a node can neither
/// create nor re-point an object onto another node.
public enum NodeRules {
    public static let nodesGroup = "system:nodes"
    public static let userPrefix = "system:node:"
    public static let leaseNamespace = "kube-node-lease"

    /// The node a user is, or nil when it is not a node's identity.
    public static func node(of user: UserInfo) -> String? {
        guard user.name.hasPrefix(userPrefix), user.groups.contains(nodesGroup) else { return nil }
        let name = String(user.name.dropFirst(userPrefix.count))
        return name.isEmpty ? nil : name
    }

    /// The mode's answer from the request alone.
    public enum Verdict: Sendable, Equatable {
        case allow
        /// No opinion, with the reason a refusal then gives.
        case refuse(String)
        /// Allowed when the stored object the request names is the node's own (`owns`).
        case ifOwnsStored
    }

    static let readVerbs: Set<String> = ["get", "list", "watch"]
    static let writeVerbs: Set<String> = ["create", "update", "patch", "delete"]
    static let unreadable: Set<String> = ["rbac.authorization.k8s.io"]

    public static func decide(_ r: RequestAttributes, node: String) -> Verdict {
        // Discovery and the like: the bindings of system:authenticated answer those.
        guard r.isResourceRequest else { return .refuse("") }
        if readVerbs.contains(r.verb) { return unreadable.contains(r.apiGroup) ? .refuse(notMine(node, r)) : .allow }
        guard writeVerbs.contains(r.verb) else { return .refuse(notMine(node, r)) }
        let create = r.verb == "create"
        switch (r.apiGroup, r.resource) {
        case ("", "nodes"):
            if r.verb == "delete" { return .refuse(notMine(node, r)) }
            return create || r.name == node ? .allow : .refuse("node '\(node)' cannot modify node '\(r.name)'")
        case ("coordination.k8s.io", "leases"):
            guard r.namespace == leaseNamespace, create || r.name == node else {
                return .refuse("node '\(node)' can only use its own lease \(leaseNamespace)/\(node)")
            }
            return .allow
        case ("", "events"):
            return r.verb == "delete" ? .refuse(notMine(node, r)) : .allow
        case ("", "persistentvolumes"), ("storage.k8s.io", "csistoragecapacities"):
            return create ? .allow : .ifOwnsStored
        case ("", "pods"):
            return create ? .refuse(notMine(node, r)) : .ifOwnsStored
        default:
            return .refuse(notMine(node, r))
        }
    }

    /// For `ifOwnsStored`: whether the stored object is the node's.
    public static func owns(_ object: AnyResource, node: String) -> Bool {
        if let pv = object.as(PersistentVolume.self) { return pv.isPinned(to: node) }
        if let pod = object.as(Pod.self) { return pod.spec.nodeName == node }
        if let c = object.as(CSIStorageCapacity.self) { return c.isFor(node: node) }
        return false
    }

    /// The refusal for an object the node may not have: "no relationship found", as Kubernetes says.
    public static func noRelationship(_ node: String) -> String {
        "no relationship found between node '\(node)' and this object"
    }

    /// NodeRestriction: what a node creates or an update leaves must still be the node's own.
    /// Nil when it is; else why not.
    public static func restriction(_ object: AnyResource, node: String) -> String? {
        let name = object.metadata.name
        if object.kind == .node, name != node {
            return "node \"\(node)\" is not allowed to modify node \"\(name)\""
        }
        if object.kind == .lease, object.metadata.namespace == leaseNamespace, name != node {
            return "node \"\(node)\" can only use its own lease \(leaseNamespace)/\(node)"
        }
        if let pv = object.as(PersistentVolume.self), !pv.isPinned(to: node) {
            return "node \"\(node)\" can only write persistentvolumes whose node affinity requires kubernetes.io/hostname In [\(node)]"
        }
        if let pod = object.as(Pod.self), pod.spec.nodeName != node {
            return "node \"\(node)\" can only update pods with spec.nodeName set to itself"
        }
        if let c = object.as(CSIStorageCapacity.self), !c.isFor(node: node) {
            return "node \"\(node)\" can only write csistoragecapacities whose nodeTopology is kubernetes.io/hostname: \(node)"
        }
        return nil
    }

    static func notMine(_ node: String, _ r: RequestAttributes) -> String {
        "node '\(node)' cannot \(r.verb) \(r.resource)\(r.apiGroup.isEmpty ? "" : ".\(r.apiGroup)")"
    }
}
