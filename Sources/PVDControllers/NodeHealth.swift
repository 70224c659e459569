import PVDModel

/// Whether a node's daemon is alive, from the heartbeat it writes into its Node's Ready
/// condition (`NodeRegistration`), and the node lifecycle controller's part: a node whose
/// heartbeat is older than the grace period gets Ready `Unknown`, as Kubernetes' node lifecycle
/// controller marks a node whose kubelet stopped posting status. Pure: the caller gives the time.
public enum NodeHealth {
    /// Kubernetes' node-monitor-grace-period default.
    public static let defaultGrace: Duration = .seconds(40)
    /// The reason and message of a Ready condition set to Unknown for a stale heartbeat.
    public static let staleReason = "NodeStatusUnknown"
    public static let staleMessage = "pvd stopped posting node status."

    /// Ready True with a heartbeat within `grace` of `now`.
    public static func isReady(_ node: Node, now: Time, grace: Duration = defaultGrace) -> Bool {
        guard let ready = readyCondition(node), ready.status == "True", let beat = ready.lastHeartbeatTime else { return false }
        return beat.seconds + grace.components.seconds >= now.seconds
    }

    /// The node with Ready set to Unknown, when its Ready condition says True but its heartbeat
    /// is older than `grace`; nil when nothing changes (a node never registered with a heartbeat,
    /// one already Unknown or False, a fresh one).
    public static func staleUpdate(_ node: Node, now: Time, grace: Duration = defaultGrace) -> Node? {
        guard let ready = readyCondition(node), ready.status == "True", ready.lastHeartbeatTime != nil,
              !isReady(node, now: now, grace: grace) else { return nil }
        var n = node
        n.status?.conditions = (node.status?.conditions ?? []).map { c in
            guard c.type == "Ready" else { return c }
            return NodeCondition(type: "Ready", status: "Unknown", lastHeartbeatTime: c.lastHeartbeatTime, reason: staleReason, message: staleMessage)
        }
        return n
    }

    /// When the earliest Ready node goes stale, seconds from `now` (at least 1): when the node
    /// lifecycle should look again. Nil when no node is Ready.
    public static func nextCheck(_ nodes: [Node], now: Time, grace: Duration = defaultGrace) -> Duration? {
        let beats = nodes.compactMap { n -> Int64? in
            guard isReady(n, now: now, grace: grace) else { return nil }
            return readyCondition(n)?.lastHeartbeatTime?.seconds
        }
        guard let earliest = beats.min() else { return nil }
        return .seconds(max(1, earliest + grace.components.seconds + 1 - now.seconds))
    }

    static func readyCondition(_ node: Node) -> NodeCondition? {
        node.status?.conditions?.first { $0.type == "Ready" }
    }
}
