import PVDModel

extension Binder {
    /// Decides a batch of claims against `volumes`, with exactly the result `matchAll` gives
    /// against an index of them, using every core when the batch splits into lanes (see
    /// `lanes`): each lane gets an index of only its own free volumes and runs as a task of its
    /// own. A batch that does not split is decided in one pass.
    ///
    /// - Returns: one action per claim, in queue order.
    public func matchAll(
        claims: [PersistentVolumeClaim], volumes: [PersistentVolume], context: BinderContext
    ) async -> [ClaimAction] {
        await matchAll(claims: claims, volumes: volumes, context: context, laneThreshold: Self.laneThreshold)
    }

    /// From this many claims on, a batch that splits into lanes is decided in lanes: below it,
    /// starting the tasks costs more than they save.
    static let laneThreshold = 5_000

    func matchAll(
        claims: [PersistentVolumeClaim], volumes: [PersistentVolume], context: BinderContext, laneThreshold: Int
    ) async -> [ClaimAction] {
        let order = queueOrder(of: claims)
        guard claims.count >= laneThreshold, let split = Self.lanes(claims, order: order, volumes: volumes, context: context),
              split.lanes.count > 1
        else {
            var index = VolumeIndex(volumes)
            return matchAll(claims: claims, order: order, context: context, index: &index)
        }
        let lanes = split.lanes
        var decided = await withTaskGroup(of: (Int, [ClaimAction]).self) { group in
            for l in lanes.indices {
                let members = lanes[l]
                let free = split.freeVolumes[l]
                group.addTask {
                    var index = VolumeIndex(free)
                    return (l, matchAll(claims: claims, order: members, context: context, index: &index))
                }
            }
            var out = [[ClaimAction]](repeating: [], count: lanes.count)
            for await (l, actions) in group { out[l] = actions }
            return out
        }
        // Back into queue order. Each lane is in queue order, so this is a merge.
        var slot = [(lane: Int32, place: Int32)](repeating: (0, 0), count: claims.count)
        for (l, lane) in lanes.enumerated() {
            for (k, i) in lane.enumerated() { slot[i] = (Int32(l), Int32(k)) }
        }
        // Moved, not copied: a copy would retain every part of each action, only for the
        // lanes' arrays to release them again.
        var actions: [ClaimAction] = []
        actions.reserveCapacity(claims.count)
        for i in order {
            let (l, k) = (Int(slot[i].lane), Int(slot[i].place))
            actions.append(Self.taking(&decided[l][k]))
        }
        return actions
    }

    /// The action, leaving an empty one in its place.
    private static func taking(_ action: inout ClaimAction) -> ClaimAction {
        var taken = ClaimAction(claimKey: "", outcome: .pending)
        swap(&taken, &action)
        return taken
    }

    /// A batch split into lanes that cannot affect each other: each lane's claims (positions in
    /// `claims`, in queue order) and the free volumes they can be matched with. Nil when the
    /// batch cannot be split that way.
    ///
    /// A claim on the unbound path that names no volume, and that no volume's claimRef names,
    /// can only take a free volume of its own (class, volume mode): the index's free groups are
    /// keyed by exactly that, and a bind changes nothing but the volume it takes. Claims of
    /// different keys therefore never compete, and deciding each key's claims in queue order,
    /// apart from the others, gives what one pass in queue order gives. Any other claim
    /// (already bound, naming a volume, or pre-bound) may reach a volume of any key, so a batch
    /// holding one is not split; nor is one where two volumes share a name.
    static func lanes(
        _ claims: [PersistentVolumeClaim], order: [Int], volumes: [PersistentVolume], context: BinderContext
    ) -> (lanes: [[Int]], freeVolumes: [[PersistentVolume]])? {
        // Each object's metadata and spec are read once: a read through an object's box is a
        // copy of that part, and this looks at every claim and every volume.
        var named: Set<VolumeIndex.ClaimName> = []
        var names: Set<String> = []
        names.reserveCapacity(volumes.count)
        var volumeKeys: [VolumeIndex.ClassModeKey?] = []
        volumeKeys.reserveCapacity(volumes.count)
        for pv in volumes {
            let meta = pv.metadata
            let spec = pv.spec
            guard names.insert(meta.name).inserted else { return nil }
            if let ref = spec.claimRef { named.insert(VolumeIndex.ClaimName(ref)) }
            volumeKeys.append(VolumeIndex.isFree(meta, spec, pv.status)
                ? VolumeIndex.ClassModeKey(className: BindingRules.className(meta, spec), volumeMode: spec.volumeMode ?? .filesystem)
                : nil)
        }
        let defaultClass = context.defaultClass?.metadata.name ?? ""
        var laneOf: [VolumeIndex.ClassModeKey: Int] = [:]
        var lanes: [[Int]] = []
        for i in order {
            let meta = claims[i].metadata
            let spec = claims[i].spec
            guard meta.annotation(Annotations.bindCompleted) == nil, (spec.volumeName ?? "").isEmpty,
                  named.isEmpty || !named.contains(VolumeIndex.ClaimName(claimMeta: meta))
            else { return nil }
            // The class the claim is matched against: its own, or the default it is given.
            let className = BindingRules.requestedClass(meta, spec) ?? defaultClass
            let key = VolumeIndex.ClassModeKey(className: className, volumeMode: spec.volumeMode ?? .filesystem)
            if let lane = laneOf[key] {
                lanes[lane].append(i)
            } else {
                laneOf[key] = lanes.count
                lanes.append([i])
            }
        }
        var free = [[PersistentVolume]](repeating: [], count: lanes.count)
        for (pv, key) in zip(volumes, volumeKeys) {
            if let key, let lane = laneOf[key] { free[lane].append(pv) }
        }
        return (lanes, free)
    }
}
