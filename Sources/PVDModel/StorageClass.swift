/// A class of storage (storage.k8s.io/v1 StorageClass): which provisioner makes its volumes,
/// with what parameters, and how they are bound and reclaimed.
public struct StorageClass: Resource {
    public static let kind = ResourceKind.storageClass
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var provisioner: String
    public var parameters: [String: String]?
    public var reclaimPolicy: ReclaimPolicy?
    public var volumeBindingMode: VolumeBindingMode?
    public var allowVolumeExpansion: Bool?
    public var mountOptions: [String]?
    public var allowedTopologies: [TopologySelectorTerm]?

    enum CodingKeys: String, CodingKey {
        case apiVersion, kindName = "kind", metadata, provisioner, parameters, reclaimPolicy
        case volumeBindingMode, allowVolumeExpansion, mountOptions, allowedTopologies
    }

    public init(name: String, provisioner: String) {
        self.metadata = ObjectMeta(name: name)
        self.provisioner = provisioner
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kindName = try c.decodeIfPresent(String.self, forKey: .kindName)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: "")
        provisioner = try c.decodeIfPresent(String.self, forKey: .provisioner) ?? ""
        parameters = try c.decodeIfPresent([String: String].self, forKey: .parameters)
        reclaimPolicy = try c.decodeIfPresent(ReclaimPolicy.self, forKey: .reclaimPolicy)
        volumeBindingMode = try c.decodeIfPresent(VolumeBindingMode.self, forKey: .volumeBindingMode)
        allowVolumeExpansion = try c.decodeIfPresent(Bool.self, forKey: .allowVolumeExpansion)
        mountOptions = try c.decodeIfPresent([String].self, forKey: .mountOptions)
        allowedTopologies = try c.decodeIfPresent([TopologySelectorTerm].self, forKey: .allowedTopologies)
    }

    /// Whether the class is marked as the cluster's default, by the GA or the beta annotation.
    public var isDefault: Bool {
        metadata.annotation(Annotations.isDefaultClass) == "true"
            || metadata.annotation(Annotations.betaIsDefaultClass) == "true"
    }

    /// The binding mode with Kubernetes' default (Immediate) applied.
    public var effectiveBindingMode: VolumeBindingMode { volumeBindingMode ?? .immediate }

    /// The reclaim policy with Kubernetes' default (Delete) applied.
    public var effectiveReclaimPolicy: ReclaimPolicy { reclaimPolicy ?? .delete }
}

/// One term of `StorageClass.allowedTopologies`.
public struct TopologySelectorTerm: Codable, Sendable, Hashable {
    public var matchLabelExpressions: [TopologySelectorLabelRequirement]?
    public init(matchLabelExpressions: [TopologySelectorLabelRequirement]? = nil) {
        self.matchLabelExpressions = matchLabelExpressions
    }
}

/// A label key and the values it may take.
public struct TopologySelectorLabelRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var values: [String]
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }
}
