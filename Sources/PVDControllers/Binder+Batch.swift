import PVDModel

extension Binder {
    /// Decides every claim of a snapshot in one pass, in a fixed order, against one index:
    /// each bind takes its volume out of the free groups before the next claim is matched, so
    /// no volume is given twice.
    ///
    /// Kubernetes handles claims in work-queue order, which depends on when events arrived;
    /// pvd uses the oldest creationTimestamp first (claims without one first of all), then
    /// namespace, then name, so the same snapshot always yields the same bindings.
    ///
    /// - Returns: one action per claim, in the order they were decided.
    public func matchAll(
        claims: [PersistentVolumeClaim], context: BinderContext, index: inout VolumeIndex
    ) -> [ClaimAction] {
        matchAll(claims: claims, order: queueOrder(of: claims), context: context, index: &index)
    }

    /// `matchAll` with the queue order already worked out.
    func matchAll(
        claims: [PersistentVolumeClaim], order: [Int], context: BinderContext, index: inout VolumeIndex
    ) -> [ClaimAction] {
        var actions: [ClaimAction] = []
        actions.reserveCapacity(order.count)
        for i in order {
            actions.append(syncClaim(claims[i], context: context, index: &index))
        }
        return actions
    }

    /// Positions of `claims` in queue order.
    func queueOrder(of claims: [PersistentVolumeClaim]) -> [Int] {
        // Sort positions, not the claims themselves: moving whole claims around is most of
        // the cost of sorting them.
        // Claims created in the same second are common (a bulk apply makes thousands), so
        // names are compared often: taken out once, not read through each claim every time.
        let keys = claims.map { c in
            let meta = c.metadata
            return (time: meta.creationTimestamp?.seconds ?? Int64.min, namespace: meta.namespace ?? "default", name: meta.name)
        }
        return claims.indices.sorted { a, b in
            if keys[a].time != keys[b].time { return keys[a].time < keys[b].time }
            if keys[a].namespace != keys[b].namespace { return keys[a].namespace < keys[b].namespace }
            return keys[a].name < keys[b].name
        }
    }

    /// pvd's claim processing order: creationTimestamp, then namespace, then name.
    public static func queueOrder(_ a: PersistentVolumeClaim, _ b: PersistentVolumeClaim) -> Bool {
        let ta = a.metadata.creationTimestamp?.seconds ?? Int64.min
        let tb = b.metadata.creationTimestamp?.seconds ?? Int64.min
        if ta != tb { return ta < tb }
        if a.namespace != b.namespace { return a.namespace < b.namespace }
        return a.metadata.name < b.metadata.name
    }
}
