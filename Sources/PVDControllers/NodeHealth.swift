import PVDModel

/// Whether a node's daemon is alive, and the node lifecycle controller's part: a node whose
/// daemon has not been heard from for longer than the grace period gets Ready `Unknown`, as
/// Kubernetes' node lifecycle controller marks a node whose kubelet stopped posting status.
///
/// A daemon is heard from in two places, as a kubelet is: its Lease in `kube-node-lease`
/// (`NodeLease`), renewed every heartbeat, and its Node's Ready condition (`NodeRegistration`),
/// rewritten only when its status changes or the report interval passes. The later of the two
/// counts, so a node with a fresh Lease is alive however old its Ready heartbeat is, and a node
/// without a Lease is judged by its Ready heartbeat alone. Pure: the caller gives the time.
public enum NodeHealth {
    /// Kubernetes' node-monitor-grace-period default.
    public static let defaultGrace: Duration = .seconds(40)
    /// The reason and message of a Ready condition set to Unknown for a stale heartbeat.
    public static let staleReason = "NodeStatusUnknown"
    public static let staleMessage = "pvd stopped posting node status."

    /// When the node's daemon was last heard from: the later of its Ready heartbeat and its
    /// Lease's renewal, nil when neither says.
    public static func lastHeard(_ node: Node, lease: Lease?) -> Int64? {
        let beat = readyCondition(node)?.lastHeartbeatTime?.seconds
        let renewed = lease?.spec.renewTime?.seconds
        switch (beat, renewed) {
        case let (b?, r?): return max(b, r)
        case let (b, r): return b ?? r
        }
    }

    /// Ready True, heard from within `grace` of `now`.
    public static func isReady(_ node: Node, lease: Lease? = nil, now: Time, grace: Duration = defaultGrace) -> Bool {
        guard let ready = readyCondition(node), ready.status == "True", let heard = lastHeard(node, lease: lease) else { return false }
        return heard + grace.components.seconds >= now.seconds
    }

    /// The node with Ready set to Unknown, when its Ready condition says True but its daemon was
    /// last heard from longer than `grace` ago; nil when nothing changes (a node never heard
    /// from, one already Unknown or False, a live one).
    public static func staleUpdate(_ node: Node, lease: Lease? = nil, now: Time, grace: Duration = defaultGrace) -> Node? {
        guard let ready = readyCondition(node), ready.status == "True", lastHeard(node, lease: lease) != nil,
              !isReady(node, lease: lease, now: now, grace: grace) else { return nil }
        var n = node
        n.status?.conditions = (node.status?.conditions ?? []).map { c in
            guard c.type == "Ready" else { return c }
            return NodeCondition(type: "Ready", status: "Unknown", lastHeartbeatTime: c.lastHeartbeatTime, reason: staleReason, message: staleMessage)
        }
        return n
    }

    /// When the earliest Ready node goes stale, seconds from `now` (at least 1): when the node
    /// lifecycle should look again. Nil when no node is Ready. `leases` are by node name.
    public static func nextCheck(_ nodes: [Node], leases: [String: Lease] = [:], now: Time, grace: Duration = defaultGrace) -> Duration? {
        let heard = nodes.compactMap { n -> Int64? in
            let lease = leases[n.metadata.name]
            guard isReady(n, lease: lease, now: now, grace: grace) else { return nil }
            return lastHeard(n, lease: lease)
        }
        guard let earliest = heard.min() else { return nil }
        return .seconds(max(1, earliest + grace.components.seconds + 1 - now.seconds))
    }

    static func readyCondition(_ node: Node) -> NodeCondition? {
        node.status?.conditions?.first { $0.type == "Ready" }
    }
}
