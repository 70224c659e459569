import PVDModel

/// Whether this node takes an Immediate claim no node has taken yet, as the scheduler would
/// choose for it: the class's allowedTopologies must admit the node's labels, and the node must
/// have room for the request while another Ready node the class admits might. Nodes do not
/// publish their free space yet, so a node without room only steps back for `patience` after
/// the claim was made; then it tries anyway (as does a node alone with the claim), so that a
/// claim no node has room for still gets its driver's error instead of waiting in silence. Pure.
public enum ImmediatePlacement {
    /// How long a node without room leaves a new claim to the others.
    public static let defaultPatience: Duration = .seconds(10)

    public enum Decision: Sendable, Equatable {
        case take
        /// Leave the claim to another node; the reason is for the log and the claim's event.
        case leave(String)
    }

    /// - Parameters:
    ///   - node: this node's Node as stored (nil before it registered: only its hostname label).
    ///   - others: the other registered nodes.
    ///   - availableBytes: free bytes where the class keeps its volumes on this node (nil: unknown).
    public static func decide(
        claim: PersistentVolumeClaim, storageClass: StorageClass, nodeName: String, node: Node?, others: [Node],
        availableBytes: Int64?, now: Time, grace: Duration = NodeHealth.defaultGrace, patience: Duration = defaultPatience
    ) -> Decision {
        let labels = node?.metadata.labels ?? [WellKnownLabels.hostname: nodeName]
        guard admits(storageClass, labels: labels) else {
            return .leave("node \(nodeName) is outside the allowedTopologies of StorageClass \(storageClass.metadata.name)")
        }
        guard let available = availableBytes, let request = claim.request?.int64Value, available < request else { return .take }
        let candidates = others.filter {
            $0.metadata.name != nodeName && NodeHealth.isReady($0, now: now, grace: grace)
                && admits(storageClass, labels: $0.metadata.labels ?? [:])
        }
        guard !candidates.isEmpty else { return .take }
        let made = claim.metadata.creationTimestamp?.seconds ?? now.seconds
        guard now.seconds - made < patience.components.seconds else { return .take }
        return .leave("node \(nodeName) has \(available) bytes free for StorageClass \(storageClass.metadata.name), "
            + "less than the \(request) claim \(claim.key) asks for; left to another Ready node")
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
