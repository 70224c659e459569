/// A request for storage (v1 PersistentVolumeClaim), bound by pvd to one PersistentVolume.
public struct PersistentVolumeClaim: Resource, CopyOnWriteFields {
    public static let kind = ResourceKind.persistentVolumeClaim

    @usableFromInline typealias Fields = ObjectFields<PersistentVolumeClaimSpec, PersistentVolumeClaimStatus>

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
    @inlinable public var spec: PersistentVolumeClaimSpec {
        _read { yield box.fields.spec }
        _modify { yield &uniqued.fields.spec }
    }
    @inlinable public var status: PersistentVolumeClaimStatus? {
        _read { yield box.fields.status }
        _modify { yield &uniqued.fields.status }
    }

    public init(name: String, namespace: String = "default", spec: PersistentVolumeClaimSpec = PersistentVolumeClaimSpec()) {
        box = SharedFields(Fields(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec))
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws { box = SharedFields(try Fields(from: decoder)) }

    public func encode(to encoder: any Encoder) throws { try box.fields.encode(to: encoder) }

    public static func == (a: PersistentVolumeClaim, b: PersistentVolumeClaim) -> Bool { SharedFields.same(a.box, b.box) }

    /// The requested storage, if set.
    public var request: Quantity? { spec.request }
    /// The phase, Pending when none was recorded yet.
    @inlinable public var phase: ClaimPhase { box.fields.status?.phase ?? .pending }

    /// `metadata.resourceVersion`, read without copying the rest of the metadata: what a
    /// controller compares on every object of a pass.
    @inlinable public var resourceVersion: String? { box.fields.metadata.resourceVersion }
    /// The class name, "" when unset or empty (Kubernetes' GetPersistentVolumeClaimClass).
    public var className: String { spec.storageClassName ?? "" }
    /// The volume mode with the Filesystem default applied.
    public var volumeMode: VolumeMode { spec.effectiveVolumeMode }
    /// The namespace, "default" when unset.
    public var namespace: String { metadata.namespace ?? "default" }
}

/// The desired state of a PersistentVolumeClaim.
public struct PersistentVolumeClaimSpec: Codable, Sendable, Hashable {
    public var accessModes: [AccessMode]?
    public var resources: VolumeResourceRequirements?
    public var storageClassName: String?
    public var selector: LabelSelector?
    public var volumeMode: VolumeMode?
    public var volumeName: String?

    /// The requested storage, if set.
    public var request: Quantity? { resources?.requests?["storage"] }
    /// The volume mode with the Filesystem default applied.
    public var effectiveVolumeMode: VolumeMode { volumeMode ?? .filesystem }

    public init(
        accessModes: [AccessMode]? = nil, request: Quantity? = nil, storageClassName: String? = nil,
        selector: LabelSelector? = nil, volumeMode: VolumeMode? = nil, volumeName: String? = nil
    ) {
        self.accessModes = accessModes
        self.resources = request.map { VolumeResourceRequirements(requests: ["storage": $0]) }
        self.storageClassName = storageClassName
        self.selector = selector
        self.volumeMode = volumeMode
        self.volumeName = volumeName
    }
}

/// `spec.resources` of a claim.
public struct VolumeResourceRequirements: Codable, Sendable, Hashable {
    public var requests: [String: Quantity]?
    public var limits: [String: Quantity]?
    public init(requests: [String: Quantity]? = nil, limits: [String: Quantity]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// The observed state of a PersistentVolumeClaim.
public struct PersistentVolumeClaimStatus: Codable, Sendable, Hashable {
    public var phase: ClaimPhase?
    public var accessModes: [AccessMode]?
    public var capacity: [String: Quantity]?
    /// Conditions, as Kubernetes sets them during expansion (`FileSystemResizePending`).
    public var conditions: [PersistentVolumeClaimCondition]?
    /// The size the volume was grown to for the claim, set when an expansion starts.
    public var allocatedResources: [String: Quantity]?

    public init(
        phase: ClaimPhase? = nil, accessModes: [AccessMode]? = nil, capacity: [String: Quantity]? = nil,
        conditions: [PersistentVolumeClaimCondition]? = nil, allocatedResources: [String: Quantity]? = nil
    ) {
        self.phase = phase
        self.accessModes = accessModes
        self.capacity = capacity
        self.conditions = conditions
        self.allocatedResources = allocatedResources
    }

    /// The condition of `type`, if the claim has one.
    public func condition(_ type: String) -> PersistentVolumeClaimCondition? {
        conditions?.first { $0.type == type }
    }
}

/// One PersistentVolumeClaim condition (Kubernetes' PersistentVolumeClaimCondition).
public struct PersistentVolumeClaimCondition: Codable, Sendable, Hashable {
    /// The condition Kubernetes sets while the volume grew but its filesystem waits for the
    /// volume to be unused (no Pod publishing it).
    public static let fileSystemResizePending = "FileSystemResizePending"

    public var type: String
    public var status: String
    public var lastProbeTime: Time?
    public var lastTransitionTime: Time?
    public var reason: String?
    public var message: String?

    public init(
        type: String, status: String, lastProbeTime: Time? = nil, lastTransitionTime: Time? = nil, reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastProbeTime = lastProbeTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}
