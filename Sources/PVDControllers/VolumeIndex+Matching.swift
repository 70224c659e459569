import PVDModel

extension VolumeIndex {
    /// Kubernetes' findBestMatchForClaim over this index: the volume the PV controller would
    /// bind the claim to, or nil.
    ///
    /// The candidate access-mode sets are those that contain every requested mode, tried from
    /// the fewest modes to the most; the first set that yields a volume wins, even when a later
    /// set holds a smaller one. Within a set (FindMatchingVolume):
    /// - a volume pre-bound to this claim (claimRef with its namespace and name, and its uid if
    ///   the claimRef has one) wins at once if it is big enough, of the claim's volumeMode and
    ///   not being deleted; class, selector and phase are not checked for it. If a node is given
    ///   and the volume's node affinity refuses it, the set yields nothing;
    /// - otherwise the smallest free volume of the claim's class and volumeMode that is at least
    ///   the request, matches the claim's selector and, when a node is given, admits the node.
    ///   With `delayBinding` and no node, free volumes are not considered at all.
    ///
    /// - Parameters:
    ///   - className: the class to match, normally `BindingRules.className(of: claim)`; the
    ///     binder passes the default class it assigns.
    ///   - delayBinding: the claim's class binds WaitForFirstConsumer.
    ///   - node: the node a consumer was scheduled to (the scheduler's path), or nil.
    public mutating func findBestMatch(
        for claim: PersistentVolumeClaim, className: String, delayBinding: Bool, node: Node?
    ) -> PersistentVolume? {
        // The spec read once: each read through the claim's box is a copy of it.
        let spec = claim.spec
        guard let wanted = AccessModeSet(requesting: spec.accessModes) else { return nil }
        let request = BindingRules.request(of: spec)
        let volumeMode = spec.effectiveVolumeMode
        let nodeLabels = node?.metadata.labels
        let considerFree = !(delayBinding && node == nil)

        let preBoundVolumes: [PersistentVolume] = (preBound.isEmpty ? [] : preBound[ClaimName(claim)] ?? []).compactMap {
            guard let pv = volumesByName[$0], BindingRules.isVolume(pv, boundTo: claim) else { return nil }
            return pv
        }

        var candidates: [SetGroup] = []
        if considerFree {
            let key = ClassModeKey(className: className, volumeMode: volumeMode)
            for sg in setsByClassMode[key] ?? [] where sg.modes.isSuperset(of: wanted) { candidates.append(sg) }
        }
        for pv in preBoundVolumes {
            let modes = AccessModeSet(pv.spec.accessModes)
            if modes.isSuperset(of: wanted), !candidates.contains(where: { $0.modes == modes }) {
                candidates.append(SetGroup(modes: modes, group: -1))
            }
        }
        candidates.sort { $0.modes < $1.modes }

        for candidate in candidates {
            switch preBoundDecision(preBoundVolumes, modes: candidate.modes, request: request,
                                    volumeMode: volumeMode, node: node) {
            case .take(let pv): return pv
            case .refuseSet: continue
            case .none: break
            }
            guard considerFree, candidate.group >= 0 else { continue }
            if let (volume, position) = smallestFree(
                in: candidate.group, atLeast: request, selector: spec.selector,
                checkNode: node != nil, nodeLabels: nodeLabels) {
                lastFound = (volume.metadata.name, candidate.group, position)
                return volume
            }
        }
        return nil
    }

    private enum PreBoundDecision {
        case take(PersistentVolume)
        case refuseSet
    }

    private func preBoundDecision(
        _ volumes: [PersistentVolume], modes: AccessModeSet, request: Quantity, volumeMode: VolumeMode, node: Node?
    ) -> PreBoundDecision? {
        for pv in volumes where AccessModeSet(pv.spec.accessModes) == modes {
            guard !(BindingRules.capacity(of: pv) < request), pv.volumeMode == volumeMode,
                  pv.metadata.deletionTimestamp == nil
            else { continue }
            if let node, !BindingRules.nodeAffinity(of: pv, admits: node.metadata.labels) { return .refuseSet }
            return .take(pv)
        }
        return nil
    }

    /// The smallest live volume of a group at or above `request` that the selector and (when
    /// `checkNode`, the scheduler's path) the node's labels accept, and its position. Rejected
    /// candidates are stepped over, not removed: another claim may still take them.
    private mutating func smallestFree(
        in g: Int, atLeast request: Quantity, selector: LabelSelector?, checkNode: Bool,
        nodeLabels: [String: String]?
    ) -> (volume: PersistentVolume, position: Int)? {
        var i = groups[g].lowerBound(request)
        while true {
            i = groups[g].live(from: i)
            guard i < groups[g].entries.count else { return nil }
            if let pv = groups[g].entries[i].volume {
                if selector == nil && !checkNode { return (pv, i) }
                let selected = selector.map { $0.matches(pv.metadata.labels) } ?? true
                let admitted = !checkNode || BindingRules.nodeAffinity(of: pv, admits: nodeLabels)
                if selected && admitted { return (pv, i) }
            }
            i += 1
        }
    }
}
