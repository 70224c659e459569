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

    /// Claims a lane decides between two yields.
    static let laneSlice = 2_048

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
                    // In slices, yielding between them: the lanes would otherwise hold every
                    // thread of the shared pool until they finish, and a daemon's other tasks
                    // (its health endpoint, its watches) would wait that long.
                    var actions: [ClaimAction] = []
                    actions.reserveCapacity(members.count)
                    var start = 0
                    while start < members.count {
                        let end = min(start + Self.laneSlice, members.count)
                        actions += matchAll(claims: claims, order: Array(members[start..<end]), context: context, index: &index)
                        start = end
                        await Task.yield()
                    }
                    return (l, actions)
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
    /// holding one is not split; nor is one where two volumes share a name, or two claims (the
    /// second would find the first's new claimRef naming it).
    static func lanes(
        _ claims: [PersistentVolumeClaim], order: [Int], volumes: [PersistentVolume], context: BinderContext
    ) -> (lanes: [[Int]], freeVolumes: [[PersistentVolume]])? {
        // Each object's metadata and spec are read once: a read through an object's box is a
        // copy of that part, and this looks at every claim and every volume. Claims first: a
        // later pass, whose claims are bound, stops at the first one.
        var laneOf: [VolumeIndex.ClassModeKey: Int] = [:]
        var lanes: [[Int]] = []
        var claimNames: Set<VolumeIndex.ClaimName> = []
        claimNames.reserveCapacity(order.count)
        for i in order {
            let meta = claims[i].metadata
            let spec = claims[i].spec
            guard meta.annotation(Annotations.bindCompleted) == nil, (spec.volumeName ?? "").isEmpty,
                  claimNames.insert(VolumeIndex.ClaimName(claimMeta: meta)).inserted
            else { return nil }
            let key = VolumeIndex.ClassModeKey(
                className: matchedClass(meta, spec, context: context).className, volumeMode: spec.effectiveVolumeMode)
            if let lane = laneOf[key] {
                lanes[lane].append(i)
            } else {
                laneOf[key] = lanes.count
                lanes.append([i])
            }
        }
        var volumeNames: Set<String> = []
        volumeNames.reserveCapacity(volumes.count)
        var free = [[PersistentVolume]](repeating: [], count: lanes.count)
        for pv in volumes {
            let meta = pv.metadata
            let spec = pv.spec
            guard volumeNames.insert(meta.name).inserted else { return nil }
            if let ref = spec.claimRef, claimNames.contains(VolumeIndex.ClaimName(ref)) { return nil }
            guard VolumeIndex.isFree(meta, spec, pv.status) else { continue }
            if let lane = laneOf[VolumeIndex.classModeKey(meta, spec)] { free[lane].append(pv) }
        }
        return (lanes, free)
    }
}
