import PVDModel

/// What a provisioner asks a driver for. `name` is deterministic ("pvc-<claim-uid>"), so a
/// retry after a crash finds the half-done work of the first try instead of making a twin.
public struct ProvisionRequest: Sendable, Hashable {
    public var name: String
    /// The claim's request, in bytes.
    public var capacityBytes: Int64
    public var volumeMode: VolumeMode
    /// The StorageClass's parameters.
    public var parameters: [String: String]
    /// The StorageClass's mountOptions.
    public var mountOptions: [String]
    /// The claim, for drivers that name things after it (hostPath `pathPattern`).
    public var claimNamespace: String
    public var claimName: String
    /// What the new volume must keep clear of (other volumes' paths, classes' directories), as
    /// the store has them; the driver adds pvd's own directories and checks under its lock.
    public var reservedPaths: [ReservedPath]

    public init(
        name: String, capacityBytes: Int64, volumeMode: VolumeMode = .filesystem, parameters: [String: String] = [:],
        mountOptions: [String] = [], claimNamespace: String = "default", claimName: String = "", reservedPaths: [ReservedPath] = []
    ) {
        self.reservedPaths = reservedPaths
        self.name = name
        self.capacityBytes = capacityBytes
        self.volumeMode = volumeMode
        self.parameters = parameters
        self.mountOptions = mountOptions
        self.claimNamespace = claimNamespace
        self.claimName = claimName
    }
}

/// What a driver made: where the volume is on this node and how big it really is.
public struct ProvisionedVolume: Sendable, Hashable {
    /// A directory (Filesystem volumes) or a device node (Block volumes).
    public var path: String
    /// The capacity the PV records (the request rounded up as the driver needs).
    public var capacityBytes: Int64
    public init(path: String, capacityBytes: Int64) {
        self.path = path
        self.capacityBytes = capacityBytes
    }
}

/// A kind of volume pvd can make on this node. Every operation is idempotent: calling it
/// again after a crash at any point finishes or repeats the work, never doubles it.
public protocol VolumeDriver: Sendable {
    /// The provisioner name classes use ("pvd.io/hostpath", "pvd.io/loop").
    var provisionerName: String { get }
    /// pvd's root (`--root`), where the driver keeps its default directory and its lock.
    var root: String { get }
    /// Checks a class's parameters before anything is made; the errors name the parameter.
    func validate(parameters: [String: String], volumeMode: VolumeMode) -> [String]
    /// The directory a class with these parameters keeps for its volumes (a hostPath
    /// `basePath`, a loop `imageDir`), owned by `owner` in messages; nil when they do not parse.
    func classDirectory(parameters: [String: String], owner: String) -> ReservedPath?
    /// Makes (or finds, if a previous try made it) the volume.
    func provision(_ request: ProvisionRequest) async throws(DriverError) -> ProvisionedVolume
    /// Removes the volume and everything it holds. Removing one that is already gone succeeds.
    func delete(name: String, parameters: [String: String]) async throws(DriverError)
    /// The names ("pvc-…") of volumes this driver finds on the node, for recovery.
    func existingVolumes(parameters: [String: String]) throws(DriverError) -> [String]

    // MARK: Recycle

    /// Empties the volume for a Recycle reclaim, keeping the volume itself: every file and
    /// directory in it goes, never following a symlink and never crossing a mount point (one
    /// found inside is left and reported as `.refused`). Fails `.notFound` when the volume is not
    /// there to empty, `.unsupported` for a kind of volume that cannot be emptied this way.
    func recycle(name: String, parameters: [String: String]) async throws(DriverError)

    // MARK: expansion

    /// Grows the volume `name` (made with these class `parameters`) to hold at least
    /// `newCapacityBytes`, filesystem included, and returns the capacity it now has (the request
    /// rounded up as the driver needs; never less than before, as volumes do not shrink).
    /// Growing one that already has the size succeeds and does nothing, so a retry after a crash
    /// finishes the work.
    func expand(name: String, parameters: [String: String], volumeMode: VolumeMode, newCapacityBytes: Int64) async throws(DriverError) -> Int64

    // MARK: Recovery

    /// Makes existing volumes ready again after a reboot or a crash (re-attaches, re-mounts,
    /// re-links), holding the driver's node-wide lock once for the whole batch. Never formats
    /// and never makes a missing volume: a backing that is gone is reported as `.missing`.
    /// One result per request, in order.
    func recover(_ volumes: [RecoveryRequest]) async -> [RecoveryResult]
    /// Removes backings (as `existingVolumes` lists them, plus half-made ones) that provably
    /// never had a PV (no `markRecorded` mark, and the mark could have been seen), were made
    /// after `madeAfter` (seconds since the epoch, by their birth time), are unchanged for at
    /// least `grace`, and that `wanted` neither names nor refers to by path, holding the driver's node-wide lock from
    /// the listing to the last removal, so that a volume another pvd process is making (it
    /// holds the same lock) is never seen half-made. A backing made before `madeAfter`, or whose
    /// birth time the filesystem does not record, is never removed. `wanted` is asked, inside
    /// the lock, only when there are candidates; nil (the store could not be read) removes
    /// nothing. A parameter set whose directory cannot be read (a basePath that became a
    /// symlink) is skipped and reported; the others are still swept. Returns the names removed
    /// and the sets skipped.
    func removeOrphans(
        parameterSets: [[String: String]], grace: Duration, madeAfter: Double, wanted: @Sendable () async -> KeptBackings?
    ) async throws(DriverError) -> OrphanSweepResult

    // MARK: Recorded mark (orphan sweep safety)

    /// Marks volume `name`'s backing as recorded: its PV is in the store. Called once the
    /// provisioner's PV create commits, and by `recover` for every PV it is given (which closes
    /// a crash between the two). From then on the orphan sweep never removes the backing, even
    /// when no PV names it any more. `path` is the PV's path, a hint to find the backing without
    /// a search; the backing is found (and checked) as `delete` would find it. Marking one that
    /// is marked succeeds; one that is gone fails `.notFound`.
    func markRecorded(name: String, parameters: [String: String], path: String?) async throws(DriverError)
    /// The names of backings found under any of `parameterSets` that carry the recorded mark:
    /// volumes whose PV was in the store once. Recovery reports those whose PV is not there now
    /// (lost writes, a store restored from an older copy, an admin's delete of a Retain PV);
    /// nothing removes them. Reads only, without the node-wide lock.
    func recordedVolumes(parameterSets: [[String: String]]) throws(DriverError) -> [String]
}
