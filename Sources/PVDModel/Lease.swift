/// A lease (coordination.k8s.io/v1 Lease): a named lock one holder renews, as nodes do in
/// `kube-node-lease` to say they are alive. Its JSON codecs, fast and Foundation, are generated
/// from `Schema/Lease.json`.
public struct Lease: Resource {
    public static let kind = ResourceKind.lease
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var spec: LeaseSpec

    public init(name: String, namespace: String = "default", spec: LeaseSpec = LeaseSpec()) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
        setTypeMeta()
    }
}

/// The lease itself: who holds it, for how long, since when, and how often it changed hands.
public struct LeaseSpec: Codable, Sendable, Hashable {
    /// The current holder's identity.
    public var holderIdentity: String?
    /// How long, from `renewTime`, the holder keeps the lease without renewing it.
    public var leaseDurationSeconds: Int32?
    /// When the current holder acquired the lease.
    public var acquireTime: MicroTime?
    /// When the current holder last renewed it.
    public var renewTime: MicroTime?
    /// How many times the lease changed holders.
    public var leaseTransitions: Int32?

    public init(
        holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: MicroTime? = nil,
        renewTime: MicroTime? = nil, leaseTransitions: Int32? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}
