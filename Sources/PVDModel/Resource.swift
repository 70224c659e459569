/// The kinds of object pvd knows, with Kubernetes' names, API groups and short names.
public enum ResourceKind: String, Sendable, Hashable, CaseIterable, Codable {
    case storageClass = "StorageClass"
    case persistentVolume = "PersistentVolume"
    case persistentVolumeClaim = "PersistentVolumeClaim"
    case pod = "Pod"
    case node = "Node"
    case event = "Event"

    /// The apiVersion manifests of this kind carry.
    public var apiVersion: String {
        switch self {
        case .storageClass: "storage.k8s.io/v1"
        default: "v1"
        }
    }

    /// Whether objects of this kind live in a namespace.
    public var isNamespaced: Bool {
        switch self {
        case .persistentVolumeClaim, .pod, .event: true
        case .storageClass, .persistentVolume, .node: false
        }
    }

    /// The lower-case plural, as kubectl and the REST paths use it.
    public var plural: String {
        switch self {
        case .storageClass: "storageclasses"
        case .persistentVolume: "persistentvolumes"
        case .persistentVolumeClaim: "persistentvolumeclaims"
        case .pod: "pods"
        case .node: "nodes"
        case .event: "events"
        }
    }

    /// kubectl's short name.
    public var shortName: String {
        switch self {
        case .storageClass: "sc"
        case .persistentVolume: "pv"
        case .persistentVolumeClaim: "pvc"
        case .pod: "po"
        case .node: "no"
        case .event: "ev"
        }
    }

    /// Resolves what a user types for a kind: "pvc", "persistentvolumeclaims", "PersistentVolumeClaim",
    /// "storageclass.storage.k8s.io", and so on. Case-insensitive, as kubectl is.
    public init?(userInput: String) {
        var s = userInput.lowercased()
        if let dot = s.firstIndex(of: ".") {
            let group = s[s.index(after: dot)...]
            s = String(s[..<dot])
            guard group == "storage.k8s.io" || group == "" || group == "v1" else { return nil }
        }
        for k in ResourceKind.allCases {
            let singular = k.rawValue.lowercased()
            if s == singular || s == k.plural || s == k.shortName {
                self = k
                return
            }
        }
        if s == "pvcs" || s == "pvs" { self = s == "pvs" ? .persistentVolume : .persistentVolumeClaim; return }
        return nil
    }
}

/// An object pvd stores: a kind, metadata, and whatever else its kind holds.
public protocol Resource: Codable, Sendable, Equatable {
    static var kind: ResourceKind { get }
    var apiVersion: String? { get set }
    var kindName: String? { get set }
    var metadata: ObjectMeta { get set }
    /// The fields a field selector may name for this kind (see `SelectableField`).
    static var selectableFields: [SelectableField<Self>] { get }
}

extension Resource {
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
