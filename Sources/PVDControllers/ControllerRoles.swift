/// Which controllers a runner runs, as Kubernetes splits them between the controller manager
/// and each node's kubelet and external provisioner.
///
/// Cluster-wide controllers decide over the whole store and must run in one place at a time
/// (the elected leader, when several daemons share a store): consumer scheduling, protection,
/// the binder, and the reclaim decisions no node can act on. Node controllers act on one node's
/// disks and run in every daemon: the provisioner, the publisher, node-side reclaim, expansion
/// and start-up recovery. They take their work from the store (claims annotated for this node's
/// provisioners and selected for it, Pods naming it), never from another controller's memory,
/// so the two kinds can run in separate loops, or separate daemons, over the same store.
public struct ControllerRoles: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Consumer scheduling, protection, the binder, reclaim decisions (marking Failed).
    public static let cluster = ControllerRoles(rawValue: 1 << 0)
    /// Provisioner, publisher, node-side reclaim (delete, recycle), expansion, recovery.
    public static let node = ControllerRoles(rawValue: 1 << 1)
    /// Both: what `reconcile --once` and a single daemon without an election run.
    public static let all: ControllerRoles = [.cluster, .node]

    public var description: String {
        switch self {
        case .all: "cluster+node"
        case .cluster: "cluster"
        case .node: "node"
        default: "none"
        }
    }
}
