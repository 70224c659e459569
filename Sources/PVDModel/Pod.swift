/// A v1 Pod: a consumer of claims (which node it names, which claims it uses) and, on a node
/// whose daemon runs Pods (`pvd serve --runtime runc`), containers run with those claims mounted.
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

/// The parts of a Pod's spec pvd reads: which node and claims (publishing, protection) and, for
/// a node that runs Pods (`runtime: runc`), its containers. Members pvd does not know are
/// ignored on decode, as for every kind. Codecs: `Schema/Pod.json`.
public struct PodSpec: Codable, Sendable, Hashable {
    public var nodeName: String?
    public var volumes: [PodVolume]?
    public var containers: [Container]?
    /// Run one after another, each to success, before `containers` start.
    public var initContainers: [Container]?
    /// `Always` (the default), `OnFailure` or `Never`.
    public var restartPolicy: String?
    /// Seconds between TERM and KILL when the Pod is deleted (default 30).
    public var terminationGracePeriodSeconds: Int64?
    public var securityContext: PodSecurityContext?

    public init(nodeName: String? = nil, volumes: [PodVolume]? = nil, containers: [Container]? = nil) {
        self.nodeName = nodeName
        self.volumes = volumes
        self.containers = containers
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
