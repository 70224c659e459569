import Logging
import PVDModel
#if canImport(Glibc)
import Glibc
#endif

/// `pvd.io/hostpath`: each volume is a directory below the class's `basePath` (see
/// `HostPathParameters`), optionally capped with a project quota (`ProjectQuota`), removed with
/// `SafeTree`, which never follows a symlink or crosses a mount point.
///
/// Every volume directory carries the extended attribute `trusted.pvd.volume` = its volume name
/// (fsetxattr): it tells a volume from a stranger's directory at the same path, and it is how a
/// volume is found again when the `pathPattern` names the claim, which `delete(name:)` is not told.
public struct HostPathDriver: VolumeDriver {
    public static let name = "pvd.io/hostpath"
    /// The extended attribute naming the volume a directory belongs to.
    public static let tagAttribute = "trusted.pvd.volume"

    public var provisionerName: String { HostPathDriver.name }
    /// pvd's root (`--root`); the default basePath is `<root>/hostpath`.
    public let root: String
    /// The root and the `allowedRoots`: no basePath may lie outside them.
    public let tree: SafeTree
    let logger: Logger

    /// - Throws: `.invalid` when `root` or an allowed root is not an absolute path without `..`.
    public init(root: String, allowedRoots: [String] = [], logger: Logger = Logger(label: "pvd.hostpath")) throws(DriverError) {
        self.root = try SafeTree.normalise(root, what: "root")
        self.tree = try SafeTree(roots: [root] + allowedRoots)
        self.logger = logger
    }

    public func validate(parameters: [String: String], volumeMode: VolumeMode) -> [String] {
        var errors: [String] = []
        _ = HostPathParameters(parameters, root: root, tree: tree, errors: &errors)
        if volumeMode == .block {
            errors.append("volumeMode: Block is not supported by pvd.io/hostpath (a directory is not a block device); use pvd.io/loop")
        }
        return errors
    }

    public func classDirectory(parameters: [String: String], owner: String) -> ReservedPath? {
        // From basePath alone: a class whose other parameters are wrong still claims its directory.
        guard let path = try? SafeTree.normalise(parameters["basePath"] ?? root + "/hostpath") else { return nil }
        return ReservedPath(path: path, kind: .basePath, owner: owner)
    }

    public func provision(_ request: ProvisionRequest) async throws(DriverError) -> ProvisionedVolume {
        // Refuse bad requests before anything touches the disk, the lock file included.
        let problems = validate(parameters: request.parameters, volumeMode: request.volumeMode)
        if !problems.isEmpty { throw DriverError(.invalid, "volume \(request.name): " + problems.joined(separator: "; ")) }
        return try await lock.withLock { () async throws(DriverError) in try await provisionLocked(request) }
    }

    /// The lock every pvd process on this node takes around hostPath provisioning and deletion.
    var lock: VolumeLock { VolumeLock(path: root + "/.pvd-hostpath.lock") }

    private func provisionLocked(_ request: ProvisionRequest) async throws(DriverError) -> ProvisionedVolume {
        let problems = validate(parameters: request.parameters, volumeMode: request.volumeMode)
        if !problems.isEmpty { throw DriverError(.invalid, "volume \(request.name): " + problems.joined(separator: "; ")) }
        let params = try HostPathParameters(request.parameters, root: root, tree: tree)
        let below = try params.components(pvname: request.name, namespace: request.claimNamespace, name: request.claimName)
        guard let base = try tree.openAnchor(params.basePath, create: true) else {
            throw DriverError(.notFound, "basePath \(params.basePath) could not be made")
        }
        // Refuse before making anything, so an unusable class leaves no directory behind.
        try checkPlacement(base.path + "/" + below.joined(separator: "/"), name: request.name, reserved: reservations(request))
        let mount = params.enforceQuota ? try ProjectQuota.checkSupported(base) : nil
        let dir = try makeVolumeDirectory(below, base: base, name: request.name, mode: params.mode, tagRequired: params.dependsOnClaim)
        if let mount {
            let id = try ProjectQuota.apply(dir, name: request.name, bytes: request.capacityBytes, mount: mount)
            logger.debug("project quota set", metadata: ["pvd.pv": "\(request.name)", "pvd.projid": "\(id)", "pvd.bytes": "\(request.capacityBytes)"])
        }
        logger.info("hostPath volume ready", metadata: ["pvd.pv": "\(request.name)", "pvd.path": "\(dir.path)"])
        return ProvisionedVolume(path: dir.path, capacityBytes: request.capacityBytes)
    }

    public func delete(name: String, parameters: [String: String]) async throws(DriverError) {
        try await lock.withLock { () async throws(DriverError) in try await deleteLocked(name: name, parameters: parameters) }
    }

    func deleteLocked(name: String, parameters: [String: String]) async throws(DriverError) {
        let params = try HostPathParameters(parameters, root: root, tree: tree)
        guard let base = try tree.openAnchor(params.basePath, create: false) else { return }
        guard let below = try locate(name, params: params, base: base) else { return }
        guard let parent = try SafeTree.walk(Array(below.dropLast()), from: base, crossMounts: false, create: nil) else { return }
        try refuseNestedVolumes(below, parent: parent, name: name)
        var quota: (id: UInt32, mount: MountInfoEntry)?
        if params.enforceQuota, let leaf = below.last {
            let fd = SafeTree.openChild(parent.fd, leaf, crossMounts: false)
            // Best effort: a filesystem that cannot hold a quota has none to reset, and must
            // not keep the volume from being deleted.
            if fd >= 0 {
                let dir = OpenDirectory(fd: fd, path: parent.path + "/" + leaf)
                if let mount = try? ProjectQuota.checkSupported(dir), let current = try? ProjectQuota.projectID(of: dir),
                   ProjectQuota.ids.contains(current.id) {
                    quota = (current.id, mount)
                }
            }
        }
        // A tagged directory that appeared since the check is left whole, and refused.
        try SafeTree.removeTree(below, below: base, keepTop: false) { tag(of: $0) != nil }
        if let quota {
            // The id is free again once nothing is charged to it and it has no limit.
            try ProjectQuota.setLimit(base, id: quota.id, bytes: 0, mount: quota.mount)
        }
        removeEmptyParents(below, base: base)
        logger.info("hostPath volume removed", metadata: ["pvd.pv": "\(name)"])
    }

    public func existingVolumes(parameters: [String: String]) throws(DriverError) -> [String] {
        let params = try HostPathParameters(parameters, root: root, tree: tree)
        guard let base = try tree.openAnchor(params.basePath, create: false) else { return [] }
        var names: [String] = []
        for (dir, _) in try directories(atDepth: params.depth, below: base) {
            if let tag = tag(of: dir) {
                names.append(tag)
            } else if params.pathPattern == "${pvname}", let last = dir.path.split(separator: "/").last, last.hasPrefix("pvc-") {
                // Untagged (a filesystem without trusted xattrs): in the default layout the name says it.
                names.append(String(last))
            }
        }
        return names.sorted()
    }

    /// Raises (or lowers) a volume's project quota to `bytes`, for expansion.
    /// - Throws: `.notFound` when the volume is gone, `.unsupported` when it has no project id.
    public func setQuota(name: String, parameters: [String: String], bytes: Int64) throws(DriverError) {
        let params = try HostPathParameters(parameters, root: root, tree: tree)
        guard let base = try tree.openAnchor(params.basePath, create: false),
              let below = try locate(name, params: params, base: base),
              let dir = try SafeTree.walk(below, from: base, crossMounts: false, create: nil) else {
            throw DriverError(.notFound, "volume \(name) is not under \(params.basePath)")
        }
        let mount = try ProjectQuota.checkSupported(dir)
        let current = try ProjectQuota.projectID(of: dir)
        guard ProjectQuota.ids.contains(current.id) else {
            throw DriverError(.unsupported, "volume \(name) at \(dir.path) has no pvd project id; it was made without quota: enforce")
        }
        try ProjectQuota.setLimit(dir, id: current.id, bytes: bytes, mount: mount)
    }
}
