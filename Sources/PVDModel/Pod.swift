/// A consumer of claims (v1 Pod). pvd runs no containers: it reads which node a Pod names and
/// which claims it uses.
public struct Pod: Resource {
    public static let kind = ResourceKind.pod
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public var status: PodStatus?

    enum CodingKeys: String, CodingKey { case apiVersion, kindName = "kind", metadata, spec, status }

    public init(name: String, namespace: String = "default", spec: PodSpec = PodSpec()) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kindName = try c.decodeIfPresent(String.self, forKey: .kindName)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: "")
        spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec) ?? PodSpec()
        status = try c.decodeIfPresent(PodStatus.self, forKey: .status)
    }

    /// The names of the claims this Pod uses.
    public var claimNames: [String] { spec.volumes?.compactMap { $0.persistentVolumeClaim?.claimName } ?? [] }
}

/// The parts of a Pod's spec pvd reads. Containers are kept as opaque values so a real Pod
/// manifest round-trips.
public struct PodSpec: Codable, Sendable, Hashable {
    public var nodeName: String?
    public var volumes: [PodVolume]?
    public var containers: [JSONValue]?

    public init(nodeName: String? = nil, volumes: [PodVolume]? = nil) {
        self.nodeName = nodeName
        self.volumes = volumes
    }
}

/// One entry of `spec.volumes`.
public struct PodVolume: Codable, Sendable, Hashable {
    public var name: String
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    public init(name: String, persistentVolumeClaim: PersistentVolumeClaimVolumeSource? = nil) {
        self.name = name
        self.persistentVolumeClaim = persistentVolumeClaim
    }
}

/// `spec.volumes[].persistentVolumeClaim`.
public struct PersistentVolumeClaimVolumeSource: Codable, Sendable, Hashable {
    public var claimName: String
    public var readOnly: Bool?
    public init(claimName: String, readOnly: Bool? = nil) {
        self.claimName = claimName
        self.readOnly = readOnly
    }
}

/// The observed state of a Pod, as far as pvd keeps one.
public struct PodStatus: Codable, Sendable, Hashable {
    public var phase: String?
    public init(phase: String? = nil) { self.phase = phase }
}
