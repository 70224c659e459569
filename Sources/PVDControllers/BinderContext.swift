import PVDModel

/// The rest of the world the binder looks at while deciding: classes, nodes and claims, as a
/// snapshot of plain values. Volumes come from the `VolumeIndex`, which a batch keeps current.
public struct BinderContext: Sendable {
    /// StorageClasses by name.
    public private(set) var storageClasses: [String: StorageClass]
    /// Nodes by name.
    public private(set) var nodes: [String: Node]
    /// Claims by "namespace/name".
    public private(set) var claims: [String: PersistentVolumeClaim]
    /// The class a claim that names none is given (the newest default), computed once.
    public private(set) var defaultClass: StorageClass?
    /// When set, phase changes stamp `status.lastPhaseTransitionTime` on volumes with it.
    public var now: Time?

    /// A snapshot of these objects; `now` stamps phase transitions when given.
    public init(
        storageClasses: [StorageClass] = [], nodes: [Node] = [], claims: [PersistentVolumeClaim] = [], now: Time? = nil
    ) {
        var classes: [String: StorageClass] = [:]
        for c in storageClasses { classes[c.metadata.name] = c }
        var byName: [String: Node] = [:]
        for n in nodes { byName[n.metadata.name] = n }
        var byKey: [String: PersistentVolumeClaim] = [:]
        for c in claims { byKey[BindingRules.key(of: c)] = c }
        self.storageClasses = classes
        self.nodes = byName
        self.claims = byKey
        self.defaultClass = BindingRules.defaultClass(among: storageClasses)
        self.now = now
    }

    /// A snapshot whose claims are already keyed by "namespace/name" (as `Resource.key` makes
    /// it): shares that dictionary instead of building another.
    public init(
        storageClasses: [StorageClass], nodes: [Node], claimsByKey: [String: PersistentVolumeClaim], now: Time? = nil
    ) {
        self.init(storageClasses: storageClasses, nodes: nodes, claims: [], now: now)
        self.claims = claimsByKey
    }

    /// The StorageClass of that name, if there is one.
    public func storageClass(named name: String) -> StorageClass? { storageClasses[name] }
    /// The Node of that name, if registered.
    public func node(named name: String) -> Node? { nodes[name] }
    /// The claim of that "namespace/name", if it exists.
    public func claim(key: String) -> PersistentVolumeClaim? { claims[key] }

}
