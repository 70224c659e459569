/// A piece of storage on a node (v1 PersistentVolume), made by an administrator or by a provisioner.
public struct PersistentVolume: Resource, CopyOnWriteFields {
    public static let kind = ResourceKind.persistentVolume

    @usableFromInline
    struct Fields: Sendable, Equatable {
        @usableFromInline init(
            apiVersion: String? = nil, kindName: String? = nil, metadata: ObjectMeta, spec: PersistentVolumeSpec, status: PersistentVolumeStatus? = nil
        ) {
            self.apiVersion = apiVersion
            self.kindName = kindName
            self.metadata = metadata
            self.spec = spec
            self.status = status
        }

        @usableFromInline var apiVersion: String?
        @usableFromInline var kindName: String?
        @usableFromInline var metadata: ObjectMeta
        @usableFromInline var spec: PersistentVolumeSpec
        @usableFromInline var status: PersistentVolumeStatus?
    }

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
        get { box.fields.metadata }
        _modify { yield &uniqued.fields.metadata }
    }
    @inlinable public var spec: PersistentVolumeSpec {
        get { box.fields.spec }
        _modify { yield &uniqued.fields.spec }
    }
    @inlinable public var status: PersistentVolumeStatus? {
        get { box.fields.status }
        _modify { yield &uniqued.fields.status }
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kindName = "kind", metadata, spec, status }

    public init(name: String, spec: PersistentVolumeSpec = PersistentVolumeSpec()) {
        box = SharedFields(Fields(metadata: ObjectMeta(name: name), spec: spec))
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        box = SharedFields(Fields(
            apiVersion: try c.decodeIfPresent(String.self, forKey: .apiVersion),
            kindName: try c.decodeIfPresent(String.self, forKey: .kindName),
            metadata: try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: ""),
            spec: try c.decodeIfPresent(PersistentVolumeSpec.self, forKey: .spec) ?? PersistentVolumeSpec(),
            status: try c.decodeIfPresent(PersistentVolumeStatus.self, forKey: .status)))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kindName, forKey: .kindName)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(spec, forKey: .spec)
        try c.encodeIfPresent(status, forKey: .status)
    }

    public static func == (a: PersistentVolume, b: PersistentVolume) -> Bool { SharedFields.same(a.box, b.box) }

    /// The storage capacity, if set.
    public var capacity: Quantity? { spec.capacity?["storage"] }
    /// The phase, Pending when none was recorded yet.
    public var phase: VolumePhase { status?.phase ?? .pending }
    /// The class name, "" for a class-less volume (Kubernetes' GetPersistentVolumeClass).
    public var className: String { spec.storageClassName ?? "" }
    /// The volume mode with the Filesystem default applied.
    public var volumeMode: VolumeMode { spec.volumeMode ?? .filesystem }
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
