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

    public init(phase: ClaimPhase? = nil, accessModes: [AccessMode]? = nil, capacity: [String: Quantity]? = nil) {
        self.phase = phase
        self.accessModes = accessModes
        self.capacity = capacity
    }
}
