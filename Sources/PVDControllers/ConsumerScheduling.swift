import PVDModel

/// The scheduler's part for WaitForFirstConsumer claims: once a Pod that uses a claim names a
/// node, the claim records that node in `volume.kubernetes.io/selected-node`, so the binder
/// matches volumes that node can reach and only that node's pvd provisions.
public enum ConsumerScheduling {
    /// Claims to update with a selected node. A claim already bound, already carrying a node, or
    /// of an Immediate class is left alone; the first Pod (oldest, then by name) decides.
    public static func selectNodes(
        pods: [Pod], claims: [String: PersistentVolumeClaim], classes: [String: StorageClass], defaultClass: StorageClass?
    ) -> [PersistentVolumeClaim] {
        var chosen: [String: PersistentVolumeClaim] = [:]
        let ordered = pods.sorted {
            let a = $0.metadata.creationTimestamp?.seconds ?? 0, b = $1.metadata.creationTimestamp?.seconds ?? 0
            return a != b ? a < b : $0.key < $1.key
        }
        for pod in ordered where pod.metadata.deletionTimestamp == nil {
            guard let node = pod.spec.nodeName, !node.isEmpty else { continue }
            let ns = pod.metadata.namespace ?? "default"
            for name in pod.claimNames {
                let key = "\(ns)/\(name)"
                guard chosen[key] == nil, var claim = claims[key] else { continue }
                guard claim.phase == .pending, claim.spec.volumeName == nil || claim.spec.volumeName == "",
                      claim.metadata.annotation(Annotations.selectedNode) == nil else { continue }
                let className = claim.spec.storageClassName ?? defaultClass?.metadata.name ?? ""
                guard let sc = classes[className], sc.effectiveBindingMode == .waitForFirstConsumer else { continue }
                claim.metadata.setAnnotation(Annotations.selectedNode, node)
                chosen[key] = claim
            }
        }
        return chosen.keys.sorted().compactMap { chosen[$0] }
    }
}
