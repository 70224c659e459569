/// A request for storage (v1 PersistentVolumeClaim), bound by pvd to one PersistentVolume.
public struct PersistentVolumeClaim: Resource {
    public static let kind = ResourceKind.persistentVolumeClaim
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec
    public var status: PersistentVolumeClaimStatus?

    enum CodingKeys: String, CodingKey { case apiVersion, kindName = "kind", metadata, spec, status }

    public init(name: String, namespace: String = "default", spec: PersistentVolumeClaimSpec = PersistentVolumeClaimSpec()) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kindName = try c.decodeIfPresent(String.self, forKey: .kindName)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: "")
        spec = try c.decodeIfPresent(PersistentVolumeClaimSpec.self, forKey: .spec) ?? PersistentVolumeClaimSpec()
        status = try c.decodeIfPresent(PersistentVolumeClaimStatus.self, forKey: .status)
    }

    /// The requested storage, if set.
    public var request: Quantity? { spec.resources?.requests?["storage"] }
    /// The phase, Pending when none was recorded yet.
    public var phase: ClaimPhase { status?.phase ?? .pending }
    /// The class name, "" when unset or empty (Kubernetes' GetPersistentVolumeClaimClass).
    public var className: String { spec.storageClassName ?? "" }
    /// The volume mode with the Filesystem default applied.
    public var volumeMode: VolumeMode { spec.volumeMode ?? .filesystem }
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
