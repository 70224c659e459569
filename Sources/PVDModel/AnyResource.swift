/// An object of any kind pvd knows: what a manifest stream, a mixed batch write or a watch of
/// several kinds carries.
public indirect enum AnyResource: Sendable, Equatable {
    case storageClass(StorageClass)
    case persistentVolume(PersistentVolume)
    case persistentVolumeClaim(PersistentVolumeClaim)
    case pod(Pod)
    case node(Node)
    case event(Event)
    case lease(Lease)
    case csiStorageCapacity(CSIStorageCapacity)
    case role(Role)
    case clusterRole(ClusterRole)
    case roleBinding(RoleBinding)
    case clusterRoleBinding(ClusterRoleBinding)

    /// Wraps a typed object.
    public init<R: Resource>(_ r: R) {
        switch r {
        case let x as StorageClass: self = .storageClass(x)
        case let x as PersistentVolume: self = .persistentVolume(x)
        case let x as PersistentVolumeClaim: self = .persistentVolumeClaim(x)
        case let x as Pod: self = .pod(x)
        case let x as Node: self = .node(x)
        case let x as Event: self = .event(x)
        case let x as Lease: self = .lease(x)
        case let x as CSIStorageCapacity: self = .csiStorageCapacity(x)
        case let x as Role: self = .role(x)
        case let x as ClusterRole: self = .clusterRole(x)
        case let x as RoleBinding: self = .roleBinding(x)
        case let x as ClusterRoleBinding: self = .clusterRoleBinding(x)
        default: preconditionFailure("unknown Resource type \(R.self)")
        }
    }

    /// The wrapped object, as an existential.
    public var resource: any Resource {
        switch self {
        case .storageClass(let x): x
        case .persistentVolume(let x): x
        case .persistentVolumeClaim(let x): x
        case .pod(let x): x
        case .node(let x): x
        case .event(let x): x
        case .lease(let x): x
        case .csiStorageCapacity(let x): x
        case .role(let x): x
        case .clusterRole(let x): x
        case .roleBinding(let x): x
        case .clusterRoleBinding(let x): x
        }
    }

    // `kind`, `metadata`, `key` and `displayName` switch on the case rather than going through
    // `resource`: an existential of a full object is a heap box holding a copy of it, made on
    // every call, and the store asks these several times per write.
    public var kind: ResourceKind {
        switch self {
        case .storageClass: .storageClass
        case .persistentVolume: .persistentVolume
        case .persistentVolumeClaim: .persistentVolumeClaim
        case .pod: .pod
        case .node: .node
        case .event: .event
        case .lease: .lease
        case .csiStorageCapacity: .csiStorageCapacity
        case .role: .role
        case .clusterRole: .clusterRole
        case .roleBinding: .roleBinding
        case .clusterRoleBinding: .clusterRoleBinding
        }
    }

    public var metadata: ObjectMeta {
        get {
            switch self {
            case .storageClass(let x): x.metadata
            case .persistentVolume(let x): x.metadata
            case .persistentVolumeClaim(let x): x.metadata
            case .pod(let x): x.metadata
            case .node(let x): x.metadata
            case .event(let x): x.metadata
            case .lease(let x): x.metadata
            case .csiStorageCapacity(let x): x.metadata
            case .role(let x): x.metadata
            case .clusterRole(let x): x.metadata
            case .roleBinding(let x): x.metadata
            case .clusterRoleBinding(let x): x.metadata
            }
        }
        set {
            switch self {
            case .storageClass(var x): x.metadata = newValue; self = .storageClass(x)
            case .persistentVolume(var x): x.metadata = newValue; self = .persistentVolume(x)
            case .persistentVolumeClaim(var x): x.metadata = newValue; self = .persistentVolumeClaim(x)
            case .pod(var x): x.metadata = newValue; self = .pod(x)
            case .node(var x): x.metadata = newValue; self = .node(x)
            case .event(var x): x.metadata = newValue; self = .event(x)
            case .lease(var x): x.metadata = newValue; self = .lease(x)
            case .csiStorageCapacity(var x): x.metadata = newValue; self = .csiStorageCapacity(x)
            case .role(var x): x.metadata = newValue; self = .role(x)
            case .clusterRole(var x): x.metadata = newValue; self = .clusterRole(x)
            case .roleBinding(var x): x.metadata = newValue; self = .roleBinding(x)
            case .clusterRoleBinding(var x): x.metadata = newValue; self = .clusterRoleBinding(x)
            }
        }
    }

    /// The typed object, if it is of type R.
    public func `as`<R: Resource>(_: R.Type) -> R? { resource as? R }

    /// "pvc default/data", as errors name objects.
    public var displayName: String { "\(kind.shortName) \(key)" }

    /// The store key: "namespace/name" or "name".
    public var key: String {
        let meta = metadata
        if kind.isNamespaced { return "\(meta.namespace ?? "default")/\(meta.name)" }
        return meta.name
    }

    /// Decodes an object of `kind` from JSON.
    public static func decode(kind: ResourceKind, from data: some Collection<UInt8> & Sendable, using decoder: JSONCoding = .shared) throws -> AnyResource {
        switch kind {
        case .storageClass: .storageClass(try decoder.decode(StorageClass.self, from: data))
        case .persistentVolume: .persistentVolume(try decoder.decode(PersistentVolume.self, from: data))
        case .persistentVolumeClaim: .persistentVolumeClaim(try decoder.decode(PersistentVolumeClaim.self, from: data))
        case .pod: .pod(try decoder.decode(Pod.self, from: data))
        case .node: .node(try decoder.decode(Node.self, from: data))
        case .event: .event(try decoder.decode(Event.self, from: data))
        case .lease: .lease(try decoder.decode(Lease.self, from: data))
        case .csiStorageCapacity: .csiStorageCapacity(try decoder.decode(CSIStorageCapacity.self, from: data))
        case .role: .role(try decoder.decode(Role.self, from: data))
        case .clusterRole: .clusterRole(try decoder.decode(ClusterRole.self, from: data))
        case .roleBinding: .roleBinding(try decoder.decode(RoleBinding.self, from: data))
        case .clusterRoleBinding: .clusterRoleBinding(try decoder.decode(ClusterRoleBinding.self, from: data))
        }
    }

    public static func == (a: AnyResource, b: AnyResource) -> Bool {
        switch (a, b) {
        case (.storageClass(let x), .storageClass(let y)): x == y
        case (.persistentVolume(let x), .persistentVolume(let y)): x == y
        case (.persistentVolumeClaim(let x), .persistentVolumeClaim(let y)): x == y
        case (.pod(let x), .pod(let y)): x == y
        case (.node(let x), .node(let y)): x == y
        case (.event(let x), .event(let y)): x == y
        case (.lease(let x), .lease(let y)): x == y
        case (.csiStorageCapacity(let x), .csiStorageCapacity(let y)): x == y
        case (.role(let x), .role(let y)): x == y
        case (.clusterRole(let x), .clusterRole(let y)): x == y
        case (.roleBinding(let x), .roleBinding(let y)): x == y
        case (.clusterRoleBinding(let x), .clusterRoleBinding(let y)): x == y
        default: false
        }
    }
}
