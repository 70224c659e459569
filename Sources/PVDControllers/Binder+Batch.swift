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
        var actions: [ClaimAction] = []
        actions.reserveCapacity(claims.count)
        for claim in claims.sorted(by: Self.queueOrder) {
            actions.append(syncClaim(claim, context: context, index: &index))
        }
        return actions
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
