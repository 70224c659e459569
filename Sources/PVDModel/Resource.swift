/// The kinds of object pvd knows, with Kubernetes' names, API groups and short names.
///
/// What a kind is called and where it lives comes from one row per kind, `descriptor`; the
/// Swift type that holds it from `resourceType`. A new kind adds a case and a row to each.
public enum ResourceKind: String, Sendable, Hashable, CaseIterable, Codable {
    case storageClass = "StorageClass"
    case persistentVolume = "PersistentVolume"
    case persistentVolumeClaim = "PersistentVolumeClaim"
    case pod = "Pod"
    case node = "Node"
    case event = "Event"
    case lease = "Lease"
    case csiStorageCapacity = "CSIStorageCapacity"
    case role = "Role"
    case clusterRole = "ClusterRole"
    case roleBinding = "RoleBinding"
    case clusterRoleBinding = "ClusterRoleBinding"

    /// This kind's names, group and scope.
    public var descriptor: KindDescriptor {
        switch self {
        case .storageClass: KindDescriptor(group: "storage.k8s.io", plural: "storageclasses", shortName: "sc", namespaced: false)
        case .persistentVolume: KindDescriptor(plural: "persistentvolumes", shortName: "pv", namespaced: false)
        case .persistentVolumeClaim: KindDescriptor(plural: "persistentvolumeclaims", shortName: "pvc", namespaced: true)
        case .pod: KindDescriptor(plural: "pods", shortName: "po", namespaced: true)
        case .node: KindDescriptor(plural: "nodes", shortName: "no", namespaced: false)
        case .event: KindDescriptor(plural: "events", shortName: "ev", namespaced: true)
        case .lease: KindDescriptor(group: "coordination.k8s.io", plural: "leases", shortName: nil, namespaced: true)
        case .csiStorageCapacity: KindDescriptor(group: "storage.k8s.io", plural: "csistoragecapacities", shortName: nil, namespaced: true)
        case .role: KindDescriptor(group: "rbac.authorization.k8s.io", plural: "roles", shortName: nil, namespaced: true)
        case .clusterRole: KindDescriptor(group: "rbac.authorization.k8s.io", plural: "clusterroles", shortName: nil, namespaced: false)
        case .roleBinding: KindDescriptor(group: "rbac.authorization.k8s.io", plural: "rolebindings", shortName: nil, namespaced: true)
        case .clusterRoleBinding: KindDescriptor(group: "rbac.authorization.k8s.io", plural: "clusterrolebindings", shortName: nil, namespaced: false)
        }
    }

    /// The Swift type objects of this kind are.
    public var resourceType: any Resource.Type {
        switch self {
        case .storageClass: StorageClass.self
        case .persistentVolume: PersistentVolume.self
        case .persistentVolumeClaim: PersistentVolumeClaim.self
        case .pod: Pod.self
        case .node: Node.self
        case .event: Event.self
        case .lease: Lease.self
        case .csiStorageCapacity: CSIStorageCapacity.self
        case .role: Role.self
        case .clusterRole: ClusterRole.self
        case .roleBinding: RoleBinding.self
        case .clusterRoleBinding: ClusterRoleBinding.self
        }
    }

    /// The apiVersion manifests of this kind carry.
    public var apiVersion: String { descriptor.apiVersion }

    /// Whether objects of this kind live in a namespace.
    public var isNamespaced: Bool { descriptor.namespaced }

    /// The lower-case plural, as kubectl and the REST paths use it.
    public var plural: String { descriptor.plural }

    /// How pvd's messages name the kind ("pvc default/data"): kubectl's short name, or the
    /// lower-case singular for a kind that has none ("lease").
    public var shortName: String { descriptor.shortName ?? rawValue.lowercased() }

    /// Resolves what a user types for a kind: "pvc", "persistentvolumeclaims", "PersistentVolumeClaim",
    /// "storageclass.storage.k8s.io", "leases.coordination.k8s.io", and so on. Case-insensitive,
    /// as kubectl is.
    public init?(userInput: String) {
        var s = userInput.lowercased()
        var group: Substring?
        if let dot = s.firstIndex(of: ".") {
            group = s[s.index(after: dot)...]
            s = String(s[..<dot])
        }
        for k in ResourceKind.allCases {
            let d = k.descriptor
            let singular = k.rawValue.lowercased()
            guard s == singular || s == d.plural || s == d.shortName else { continue }
            // kubectl's "resource.group" and "resource.version.group"; "v1" alone for the core group.
            if let group, !["", d.group, d.version, "\(d.version).\(d.group)"].contains(String(group)) { return nil }
            self = k
            return
        }
        if s == "pvcs" || s == "pvs" { self = s == "pvs" ? .persistentVolume : .persistentVolumeClaim; return }
        return nil
    }
}

/// One kind's row: its API group (empty for the core group), version, plural, kubectl's short
/// name if it has one, and whether its objects live in a namespace.
public struct KindDescriptor: Sendable, Hashable {
    public var group: String
    public var version: String
    public var plural: String
    public var shortName: String?
    public var namespaced: Bool

    public init(group: String = "", version: String = "v1", plural: String, shortName: String?, namespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.shortName = shortName
        self.namespaced = namespaced
    }

    /// "v1" for the core group, "group/version" otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
}

/// An object pvd stores: a kind, metadata, and whatever else its kind holds, with Kubernetes'
/// validation rules for it.
public protocol Resource: Codable, Sendable, Equatable, Validatable {
    static var kind: ResourceKind { get }
    var apiVersion: String? { get set }
    var kindName: String? { get set }
    var metadata: ObjectMeta { get set }
    /// The fields a field selector may name for this kind (see `SelectableField`).
    static var selectableFields: [SelectableField<Self>] { get }
    /// Fields Kubernetes selects this kind by that pvd's objects do not keep (decoding drops
    /// them): a selector naming one is refused as such, not as a field that does not exist.
    static var selectableFieldsNotKept: [String] { get }
}

extension Resource {
    public static var selectableFieldsNotKept: [String] { [] }

    /// "namespace/name" for namespaced kinds, "name" otherwise: the key a store and a queue use.
    public var key: String {
        if Self.kind.isNamespaced { return "\(metadata.namespace ?? "default")/\(metadata.name)" }
        return metadata.name
    }

    /// "pvc default/data", "pv pv-1": how errors and logs name this object.
    public var displayName: String { "\(Self.kind.shortName) \(key)" }

    /// A reference to this object, with its uid and resourceVersion.
    public var reference: ObjectReference {
        // Metadata read once: through the protocol each read is a whole copy of it, and the
        // binder takes a reference for every claim it binds.
        let meta = metadata
        return ObjectReference(
            apiVersion: Self.kind.apiVersion, kind: Self.kind.rawValue,
            namespace: Self.kind.isNamespaced ? (meta.namespace ?? "default") : nil,
            name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion)
    }

    /// Fills apiVersion and kind, as Kubernetes does on every object it returns.
    public mutating func setTypeMeta() {
        apiVersion = Self.kind.apiVersion
        kindName = Self.kind.rawValue
    }
}
