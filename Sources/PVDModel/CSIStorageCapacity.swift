/// How much room a storage class has in one topology segment (storage.k8s.io/v1
/// CSIStorageCapacity): what each pvd node publishes for each class it serves, free bytes where
/// the class keeps its volumes on that node, so a node without room can leave an Immediate claim
/// to one that has it, as Kubernetes' scheduler reads these objects. Its JSON codecs, fast and
/// Foundation, are generated from `Schema/CSIStorageCapacity.json`.
public struct CSIStorageCapacity: Resource {
    public static let kind = ResourceKind.csiStorageCapacity
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    /// The nodes the capacity is on (pvd: one node, by `kubernetes.io/hostname`).
    public var nodeTopology: LabelSelector?
    /// The class the capacity is for; required.
    public var storageClassName: String
    /// Free room; unset or zero means none, as Kubernetes reads it.
    public var capacity: Quantity?
    /// The largest volume that fits, when smaller than `capacity`.
    public var maximumVolumeSize: Quantity?

    public init(
        name: String, namespace: String = "default", storageClassName: String, nodeTopology: LabelSelector? = nil,
        capacity: Quantity? = nil, maximumVolumeSize: Quantity? = nil
    ) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.storageClassName = storageClassName
        self.nodeTopology = nodeTopology
        self.capacity = capacity
        self.maximumVolumeSize = maximumVolumeSize
        setTypeMeta()
    }

    /// Whether a volume of `bytes` fits, as the scheduler decides: within `maximumVolumeSize`
    /// when that is set, otherwise within `capacity`; nothing fits when neither is set.
    public func fits(_ request: Quantity) -> Bool {
        guard let room = maximumVolumeSize ?? capacity else { return false }
        return request <= room
    }
}
