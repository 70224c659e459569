import PVDModel

/// Whether this node takes an Immediate claim no node has taken yet, as the scheduler would
/// choose for it: the class's allowedTopologies must admit the node's labels, and the node must
/// have room for the request, measured here, while another Ready node the class admits might.
/// What the others have is what they publish (`StorageCapacityReport`): a node whose published
/// capacity for the class is too small is no candidate; one with room, or one that published
/// nothing, is. A node without room steps back for `patience` after the claim was made, then
/// tries anyway (as does a node no other candidate is left to), so that a claim no node has
/// room for gets its driver's error instead of waiting in silence. Pure.
public enum ImmediatePlacement {
    /// How long a node without room leaves a new claim to the others.
    public static let defaultPatience: Duration = .seconds(10)

    public enum Decision: Sendable, Equatable {
        case take
        /// Leave the claim to another node, until `until` at the latest (seconds since the
        /// epoch: then the patience is out); the reason is for the log.
        case leave(String, until: Int64)
    }

    /// - Parameters:
    ///   - node: this node's Node as stored (nil before it registered: only its hostname label).
    ///   - others: the other registered nodes; `leases` their leases, by node name.
    ///   - capacities: the storage capacities the nodes publish.
    ///   - availableBytes: free bytes where the class keeps its volumes on this node (nil: unknown).
    public static func decide(
        claim: PersistentVolumeClaim, storageClass: StorageClass, nodeName: String, node: Node?, others: [Node],
        leases: [String: Lease] = [:], capacities: [CSIStorageCapacity] = [], availableBytes: Int64?, now: Time,
        grace: Duration = NodeHealth.defaultGrace, patience: Duration = defaultPatience
    ) -> Decision {
        let labels = node?.metadata.labels ?? [WellKnownLabels.hostname: nodeName]
        let made = claim.metadata.creationTimestamp?.seconds ?? now.seconds
        let until = made + patience.components.seconds
        guard admits(storageClass, labels: labels) else {
            return .leave("node \(nodeName) is outside the allowedTopologies of StorageClass \(storageClass.metadata.name)", until: .max)
        }
        guard let available = availableBytes, let request = claim.request, let bytes = request.int64Value, available < bytes else {
            return .take
        }
        let candidates = others.filter {
            $0.metadata.name != nodeName && NodeHealth.isReady($0, lease: leases[$0.metadata.name], now: now, grace: grace)
                && admits(storageClass, labels: $0.metadata.labels ?? [:])
                && StorageCapacityReport.room(
                    for: request, storageClass: storageClass.metadata.name, node: $0.metadata.name,
                    labels: $0.metadata.labels ?? [:], in: capacities) != false
        }
        guard !candidates.isEmpty, now.seconds < until else { return .take }
        return .leave("node \(nodeName) has \(available) bytes free for StorageClass \(storageClass.metadata.name), "
            + "less than the \(request) claim \(claim.key) asks for; left to "
            + candidates.map(\.metadata.name).sorted().joined(separator: ", "), until: until)
    }

    /// Kubernetes' allowedTopologies: no terms admit every node; otherwise some term's every
    /// requirement has the node's label among its values.
    public static func admits(_ sc: StorageClass, labels: [String: String]) -> Bool {
        guard let terms = sc.allowedTopologies, !terms.isEmpty else { return true }
        return terms.contains { term in
            (term.matchLabelExpressions ?? []).allSatisfy { req in labels[req.key].map(req.values.contains) ?? false }
        }
    }
}
