/// A piece of storage on a node (v1 PersistentVolume), made by an administrator or by a provisioner.
public struct PersistentVolume: Resource, CopyOnWriteFields {
    public static let kind = ResourceKind.persistentVolume

    @usableFromInline typealias Fields = ObjectFields<PersistentVolumeSpec, PersistentVolumeStatus>

    /// Shared by copies until one of them changes (see `SharedFields`).
    @usableFromInline var box: SharedFields<Fields>

    @inlinable public var apiVersion: String? {
        get { box.fields.apiVersion }
        set { uniqued.fields.apiVersion = newValue }
    }
    @inlinable public var kindName: String? {
        get { box.fields.kindName }
        set { uniqued.fields.kindName = newValue }
    }
    @inlinable public var metadata: ObjectMeta {
        _read { yield box.fields.metadata }
        _modify { yield &uniqued.fields.metadata }
    }
    @inlinable public var spec: PersistentVolumeSpec {
        _read { yield box.fields.spec }
        _modify { yield &uniqued.fields.spec }
    }
    @inlinable public var status: PersistentVolumeStatus? {
        _read { yield box.fields.status }
        _modify { yield &uniqued.fields.status }
    }

    public init(name: String, spec: PersistentVolumeSpec = PersistentVolumeSpec()) {
        box = SharedFields(Fields(metadata: ObjectMeta(name: name), spec: spec))
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws { box = SharedFields(try Fields(from: decoder)) }

    public func encode(to encoder: any Encoder) throws { try box.fields.encode(to: encoder) }

    public static func == (a: PersistentVolume, b: PersistentVolume) -> Bool { SharedFields.same(a.box, b.box) }

    /// The storage capacity, if set.
    public var capacity: Quantity? { spec.capacity?["storage"] }
    /// The phase, Pending when none was recorded yet.
    @inlinable public var phase: VolumePhase { box.fields.status?.phase ?? .pending }

    /// `metadata.resourceVersion`, read without copying the rest of the metadata: what a
    /// controller compares on every object of a pass.
    @inlinable public var resourceVersion: String? { box.fields.metadata.resourceVersion }
    /// The class name, "" for a class-less volume (Kubernetes' GetPersistentVolumeClass).
    public var className: String { spec.storageClassName ?? "" }
    /// The volume mode with the Filesystem default applied.
    public var volumeMode: VolumeMode { spec.effectiveVolumeMode }
}

/// The desired state of a PersistentVolume.
public struct PersistentVolumeSpec: Codable, Sendable, Hashable {
    public var capacity: [String: Quantity]?
    public var accessModes: [AccessMode]?
    public var persistentVolumeReclaimPolicy: ReclaimPolicy?
    public var storageClassName: String?
    public var volumeMode: VolumeMode?
    public var claimRef: ObjectReference?
    public var nodeAffinity: VolumeNodeAffinity?
    public var mountOptions: [String]?
    public var hostPath: HostPathVolumeSource?
    public var local: LocalVolumeSource?


    /// The volume mode with the Filesystem default applied.
    public var effectiveVolumeMode: VolumeMode { volumeMode ?? .filesystem }
    public init(
        capacity: Quantity? = nil, accessModes: [AccessMode]? = nil,
        reclaimPolicy: ReclaimPolicy? = nil, storageClassName: String? = nil,
        volumeMode: VolumeMode? = nil, claimRef: ObjectReference? = nil,
        nodeAffinity: VolumeNodeAffinity? = nil, hostPath: HostPathVolumeSource? = nil
    ) {
        self.capacity = capacity.map { ["storage": $0] }
        self.accessModes = accessModes
        self.persistentVolumeReclaimPolicy = reclaimPolicy
        self.storageClassName = storageClassName
        self.volumeMode = volumeMode
        self.claimRef = claimRef
        self.nodeAffinity = nodeAffinity
        self.hostPath = hostPath
    }
}

/// The observed state of a PersistentVolume.
public struct PersistentVolumeStatus: Codable, Sendable, Hashable {
    public var phase: VolumePhase?
    public var message: String?
    public var reason: String?
    public var lastPhaseTransitionTime: Time?

    public init(phase: VolumePhase? = nil, message: String? = nil, reason: String? = nil) {
        self.phase = phase
        self.message = message
        self.reason = reason
    }
}

/// Which nodes can reach a volume.
public struct VolumeNodeAffinity: Codable, Sendable, Hashable {
    public var required: NodeSelector?
    public init(required: NodeSelector? = nil) { self.required = required }
}

/// A directory on the node (`spec.hostPath`).
public struct HostPathVolumeSource: Codable, Sendable, Hashable {
    public var path: String
    public var type: String?
    public init(path: String, type: String? = nil) {
        self.path = path
        self.type = type
    }
}

/// A local disk, partition or directory (`spec.local`).
public struct LocalVolumeSource: Codable, Sendable, Hashable {
    public var path: String
    public var fsType: String?
    public init(path: String, fsType: String? = nil) {
        self.path = path
        self.fsType = fsType
    }
}
