import PVDModel

/// The PersistentVolumes the binder can hand out, indexed the way Kubernetes' PV controller
/// looks them up, without scanning every volume for every claim.
///
/// Volumes free for matching (no claimRef, phase Available, not being deleted) sit in groups
/// keyed by (class, volumeMode, access-mode set). Each group is a sorted array ordered by
/// capacity, then by name. Kubernetes breaks a tie between equal capacities by its cache's
/// list order, which is unspecified; pvd uses the name so results are reproducible. A search
/// binary-searches the smallest capacity that satisfies the request and walks up from there.
/// Removing a volume leaves a tombstone that a union-find "next live entry" link skips in
/// near-constant time, so binding a whole batch costs O(log n) per claim plus whatever
/// candidates the selector or node affinity turn down.
///
/// Volumes that carry a claimRef are kept in a second map keyed by the claim they name, so a
/// pre-bound volume is found in O(1).
public struct VolumeIndex: Sendable {
    struct GroupKey: Hashable, Sendable {
        var className: String
        var volumeMode: VolumeMode
        var modes: AccessModeSet
    }

    struct ClassModeKey: Hashable, Sendable {
        var className: String
        var volumeMode: VolumeMode
    }

    struct SetGroup: Sendable {
        var modes: AccessModeSet
        var group: Int
    }

    /// The claim a claimRef names: the pre-bound map's key, hashed as two strings rather than
    /// joined into a new one for every lookup.
    struct ClaimName: Hashable, Sendable {
        var namespace: String
        var name: String

        init(_ ref: ObjectReference) {
            namespace = ref.namespace ?? "default"
            name = ref.name ?? ""
        }

        init(_ claim: PersistentVolumeClaim) {
            self.init(claimMeta: claim.metadata)
        }

        init(claimMeta meta: ObjectMeta) {
            namespace = meta.namespace ?? "default"
            name = meta.name
        }
    }

    private(set) var volumesByName: [String: PersistentVolume] = [:]
    var groupIDs: [GroupKey: Int] = [:]
    var groups: [VolumeGroup] = []
    /// For each (class, volumeMode), its groups in the order claims try them.
    var setsByClassMode: [ClassModeKey: [SetGroup]] = [:]
    /// Claim → names of the volumes whose claimRef names that claim, sorted.
    var preBound: [ClaimName: [String]] = [:]
    /// Where the last free volume a search returned sits, so binding it right after does not
    /// have to look for it again.
    var lastFound: (name: String, group: Int, position: Int)?

    /// An empty index.
    public init() {}

    /// Builds the index from a snapshot in one pass, sorting each group once.
    public init(_ volumes: some Sequence<PersistentVolume>) {
        var pending: [Int: [VolumeGroup.Entry]] = [:]
        volumesByName.reserveCapacity(volumes.underestimatedCount)
        // Every bind of a batch adds its volume here: sized once, not grown (and every key
        // hashed again) a doubling at a time.
        preBound.reserveCapacity(volumes.underestimatedCount)
        let all = Array(volumes)
        var replaced = false
        for pv in all {
            let name = pv.metadata.name
            if let old = volumesByName.updateValue(pv, forKey: name) {
                unlink(old)
                replaced = true
            }
            if let ref = pv.spec.claimRef {
                preBound[ClaimName(ref), default: []].append(name)
            }
        }
        // The free ones are read in input order, from contiguous memory rather than the
        // dictionary's scattered buckets, unless a name came twice: then only the dictionary
        // holds the copy that counts.
        func addIfFree(_ pv: PersistentVolume) {
            guard Self.isFree(pv) else { return }
            let g = groupID(for: Self.groupKey(of: pv))
            pending[g, default: []].append(.init(capacity: BindingRules.capacity(of: pv), name: pv.metadata.name, volume: pv))
        }
        if replaced {
            for pv in volumesByName.values { addIfFree(pv) }
        } else {
            for pv in all { addIfFree(pv) }
        }
        for (g, entries) in pending { groups[g] = VolumeGroup(sorting: entries) }
        for key in preBound.keys { preBound[key]?.sort() }
    }

    /// How many volumes the index holds, free or not.
    public var count: Int { volumesByName.count }

    /// The volume of that name as the index last saw it.
    public func volume(named name: String) -> PersistentVolume? { volumesByName[name] }

    /// Every volume the index holds, in no particular order.
    public var volumes: Dictionary<String, PersistentVolume>.Values { volumesByName.values }

    /// How many volumes are free to be matched (no claimRef, Available, not being deleted).
    public var freeCount: Int { groups.reduce(0) { $0 + $1.liveCount } }

    /// Adds a volume, or replaces the one of the same name (after a bind, or a watch event).
    public mutating func upsert(_ volume: PersistentVolume) {
        if let old = volumesByName.updateValue(volume, forKey: volume.metadata.name) { unlink(old) }
        if let ref = volume.spec.claimRef {
            let name = volume.metadata.name
            // One lookup, and the list changed where it sits.
            Self.insertSorted(name, into: &preBound[ClaimName(ref), default: []])
        }
        if Self.isFree(volume) {
            let g = groupID(for: Self.groupKey(of: volume))
            groups[g].insert(.init(capacity: BindingRules.capacity(of: volume), name: volume.metadata.name, volume: volume))
            lastFound = nil
        }
    }

    /// Drops a volume (deleted from the store).
    public mutating func remove(named name: String) {
        guard let old = volumesByName.removeValue(forKey: name) else { return }
        unlink(old)
    }

    /// Whether Kubernetes' FindMatchingVolume could hand this volume to a claim that is not
    /// pre-bound to it: no claimRef, phase Available, no deletionTimestamp.
    static func isFree(_ pv: PersistentVolume) -> Bool {
        isFree(pv.metadata, pv.spec, pv.status)
    }

    /// `isFree` from a volume's parts.
    static func isFree(_ meta: ObjectMeta, _ spec: PersistentVolumeSpec, _ status: PersistentVolumeStatus?) -> Bool {
        spec.claimRef == nil && status?.phase == .available && meta.deletionTimestamp == nil
    }

    private static func insertSorted(_ name: String, into names: inout [String]) {
        names.insert(name, at: names.firstIndex { $0 > name } ?? names.endIndex)
    }

    static func groupKey(of pv: PersistentVolume) -> GroupKey {
        let spec = pv.spec
        let key = classModeKey(pv.metadata, spec)
        return GroupKey(className: key.className, volumeMode: key.volumeMode, modes: AccessModeSet(spec.accessModes))
    }

    /// The class and volume mode a free volume is grouped under: what a claim must ask for to
    /// be matched with it.
    static func classModeKey(_ meta: ObjectMeta, _ spec: PersistentVolumeSpec) -> ClassModeKey {
        ClassModeKey(className: BindingRules.className(meta, spec), volumeMode: spec.effectiveVolumeMode)
    }

    private mutating func groupID(for key: GroupKey) -> Int {
        if let g = groupIDs[key] { return g }
        let g = groups.count
        groups.append(VolumeGroup())
        groupIDs[key] = g
        let ck = ClassModeKey(className: key.className, volumeMode: key.volumeMode)
        var sets = setsByClassMode[ck] ?? []
        let at = sets.firstIndex { key.modes < $0.modes } ?? sets.endIndex
        sets.insert(SetGroup(modes: key.modes, group: g), at: at)
        setsByClassMode[ck] = sets
        return g
    }

    /// Takes a stored volume out of the group and the pre-bound map it sits in.
    private mutating func unlink(_ old: PersistentVolume) {
        let name = old.metadata.name
        if let ref = old.spec.claimRef {
            let key = ClaimName(ref)
            preBound[key]?.removeAll { $0 == name }
            if preBound[key]?.isEmpty == true { preBound[key] = nil }
        }
        guard Self.isFree(old) else { return }
        if let last = lastFound, last.name == name {
            groups[last.group].remove(at: last.position)
            lastFound = nil
        } else if let g = groupIDs[Self.groupKey(of: old)] {
            groups[g].remove(capacity: BindingRules.capacity(of: old), name: name)
        }
    }
}

/// One group of free volumes, sorted by (capacity, name), with tombstones for removed ones.
struct VolumeGroup: Sendable {
    struct Entry: Sendable {
        var capacity: Quantity
        var name: String
        /// The volume itself (one reference), so a match needs no lookup by name; nil in a
        /// search probe.
        var volume: PersistentVolume?

        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            a.capacity < b.capacity || (a.capacity == b.capacity && a.name < b.name)
        }
    }

    private(set) var entries: [Entry] = []
    /// next[i] == i: entry i is live. Otherwise a link towards the next live entry; links are
    /// shortened as they are followed (path halving). next[entries.count] is a live sentinel.
    private var next: [Int32] = [0]
    private var removed = 0

    init() {}

    init(sorting unsorted: [Entry]) {
        entries = Self.sorted(unsorted)
        next = Array(0...Int32(entries.count))
    }

    /// The entries in `Entry.precedes` order. Names are first compared by their first 16 bytes
    /// packed into one integer, which settles nearly every pair without comparing strings;
    /// only pairs equal there are compared in full. That shortcut agrees with String order for
    /// ASCII names (every valid PV name); a group holding any other falls back to the plain sort.
    static func sorted(_ entries: [Entry]) -> [Entry] {
        var keys: [(capacity: Int128, prefix: UInt128, position: Int)] = []
        keys.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            guard let prefix = asciiPrefix(e.name) else { return entries.sorted(by: Entry.precedes) }
            keys.append((e.capacity.nanoValue, prefix, i))
        }
        keys.sort { a, b in
            if a.capacity != b.capacity { return a.capacity < b.capacity }
            if a.prefix != b.prefix { return a.prefix < b.prefix }
            return entries[a.position].name < entries[b.position].name
        }
        return keys.map { entries[$0.position] }
    }

    /// A name's first 16 bytes, big-endian and zero-padded, so integer order is byte order; nil
    /// when the name is not all ASCII.
    static func asciiPrefix(_ name: String) -> UInt128? {
        var key: UInt128 = 0
        var taken = 0
        for byte in name.utf8 {
            if byte >= 0x80 { return nil }
            if taken < 16 {
                key = key << 8 | UInt128(byte)
                taken += 1
            }
        }
        return taken == 16 ? key : key << (8 * (16 - taken))
    }

    var liveCount: Int { entries.count - removed }

    /// The first position whose capacity is not below `request`.
    func lowerBound(_ request: Quantity) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].capacity < request { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The first live position at or after `start`; `entries.count` when there is none.
    mutating func live(from start: Int) -> Int {
        var i = start
        while true {
            let n = Int(next[i])
            if n == i { return i }
            let nn = next[n]
            next[i] = nn
            i = Int(nn)
        }
    }

    mutating func remove(capacity: Quantity, name: String) {
        let probe = Entry(capacity: capacity, name: name, volume: nil)
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Entry.precedes(entries[mid], probe) { lo = mid + 1 } else { hi = mid }
        }
        guard lo < entries.count, entries[lo].name == name else { return }
        remove(at: lo)
    }

    /// Tombstones the entry at a known position.
    mutating func remove(at position: Int) {
        guard position < entries.count, next[position] == Int32(position) else { return }
        next[position] = Int32(position + 1)
        removed += 1
    }

    /// Inserts in order, dropping tombstones on the way (O(n), for single watch events; bulk
    /// loads go through `init(sorting:)`).
    mutating func insert(_ entry: Entry) {
        var fresh: [Entry] = []
        fresh.reserveCapacity(liveCount + 1)
        var placed = false
        for i in entries.indices where next[i] == Int32(i) {
            if !placed, Entry.precedes(entry, entries[i]) {
                fresh.append(entry)
                placed = true
            }
            fresh.append(entries[i])
        }
        if !placed { fresh.append(entry) }
        entries = fresh
        next = Array(0...Int32(entries.count))
        removed = 0
    }
}
