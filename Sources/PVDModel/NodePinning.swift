extension PersistentVolume {
    /// Whether the volume lives on `node`: a required node affinity term with
    /// `kubernetes.io/hostname In [..., node, ...]`, as pvd's provisioners write it. The node
    /// agent serves such volumes; the Node authorizer lets that node's identity write them.
    public func isPinned(to node: String) -> Bool {
        guard let terms = spec.nodeAffinity?.required?.nodeSelectorTerms else { return false }
        return terms.contains { term in
            (term.matchExpressions ?? []).contains {
                $0.key == WellKnownLabels.hostname && $0.operator == "In" && ($0.values ?? []).contains(node)
            }
        }
    }
}

extension CSIStorageCapacity {
    /// Whether it is `node`'s: a nodeTopology selecting `kubernetes.io/hostname: node`, as each
    /// pvd node publishes its own.
    public func isFor(node: String) -> Bool {
        nodeTopology?.matchLabels?[WellKnownLabels.hostname] == node
    }
}
