import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Capacity enforcement for hostPath volumes with XFS or ext4 project quotas.
///
/// A volume directory gets a project id and `FS_XFLAG_PROJINHERIT` (`FS_IOC_FSSETXATTR`), so all
/// it comes to hold is charged to that id, and the id gets a block hard limit
/// (`quotactl_fd(2)`/`quotactl(2)` `Q_SETQUOTA` on `PRJQUOTA`, the generic VFS interface both
/// filesystems implement). The id is derived from the volume name and kept only on the
/// directory itself, so nothing outside the filesystem has to survive a crash.
public enum ProjectQuota {
    /// The ids pvd hands out: well above the small numbers administrators write into
    /// /etc/projid by hand, within the 32-bit ids XFS (projid32bit) and ext4 store.
    public static let ids: ClosedRange<UInt32> = 1_000_000...(1_000_000 + (1 << 24) - 1)

    /// How many ids after the preferred one are tried before giving up on collisions.
    static let probes: UInt32 = 64

    /// The id a volume name prefers: FNV-1a of the name, folded into `ids`. Deterministic, so a
    /// retried provision picks the same id; collisions are settled by `assign`.
    public static func preferredID(for name: String) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let span = UInt64(ids.upperBound - ids.lowerBound) + 1
        return ids.lowerBound + UInt32(hash % span)
    }

    /// Checks that the filesystem under `dir` enforces project quotas, before anything is made.
    /// - Throws: `.unsupported` naming the filesystem type and what to change.
    public static func checkSupported(_ dir: OpenDirectory) throws(DriverError) -> MountInfoEntry {
        let mount = try MountTable.entry(of: dir.fd, path: dir.path)
        guard mount.fsType == "xfs" || mount.fsType == "ext4" else {
            throw DriverError(.unsupported, "basePath \(dir.path) is on \(mount.fsType) (\(mount.mountPoint)), which has no project quotas; use XFS or ext4 mounted with -o prjquota, or drop quota: enforce")
        }
        let enforcing = ["prjquota", "pquota", "prjjquota"]
        guard mount.options.contains(where: enforcing.contains) else {
            throw DriverError(.unsupported, "basePath \(dir.path) is on \(mount.fsType) (\(mount.mountPoint)) mounted without prjquota; mount it with -o prjquota or drop quota: enforce")
        }
        return mount
    }

    /// Gives the directory `dir` a project id of its own (keeping one it already has from an
    /// earlier try) and a block hard limit of `bytes`, rounded up to whole KiB.
    /// - Returns: the project id.
    public static func apply(_ dir: OpenDirectory, name: String, bytes: Int64, mount: MountInfoEntry) throws(DriverError) -> UInt32 {
        let id = try assign(dir, name: name, mount: mount)
        try setLimit(dir, id: id, bytes: bytes, mount: mount)
        return id
    }

    /// The directory's project id, and whether it is inherited by what is made inside.
    public static func projectID(of dir: OpenDirectory) throws(DriverError) -> (id: UInt32, inherit: Bool) {
        var id: UInt32 = 0
        var inherit: Int32 = 0
        let rc = pvd_get_projid(dir.fd, &id, &inherit)
        if rc < 0 { throw quotaError("read the project id of", dir.path, -rc) }
        return (id, inherit != 0)
    }

    /// Sets a project id and FS_XFLAG_PROJINHERIT on `dir`.
    public static func setProjectID(_ dir: OpenDirectory, id: UInt32) throws(DriverError) {
        let rc = pvd_set_projid(dir.fd, id)
        if rc < 0 { throw quotaError("set the project id of", dir.path, -rc) }
    }

    /// Sets the block hard limit of project `id` (0 bytes: no limit), in 1 KiB blocks rounded up.
    public static func setLimit(_ dir: OpenDirectory, id: UInt32, bytes: Int64, mount: MountInfoEntry) throws(DriverError) {
        let kib = UInt64(max(bytes, 0) / 1024 + (bytes % 1024 > 0 ? 1 : 0))
        let rc = pvd_quota_set(dir.fd, mount.source, id, kib)
        if rc < 0 { throw quotaError("set the quota of project \(id) for", dir.path, -rc, mount: mount) }
    }

    /// Project `id`'s hard limit (bytes, 0 for none) and what it uses (bytes, inodes).
    public static func usage(_ dir: OpenDirectory, id: UInt32, mount: MountInfoEntry) throws(DriverError) -> (limit: Int64, space: Int64, inodes: Int64) {
        var hard: UInt64 = 0
        var space: UInt64 = 0
        var inodes: UInt64 = 0
        let rc = pvd_quota_get(dir.fd, mount.source, id, &hard, &space, &inodes)
        // XFS answers ENOENT for an id it holds no dquot for (never used, or long freed); ext4
        // makes an empty one. Both mean: no limit, nothing charged.
        if rc == -ENOENT { return (0, 0, 0) }
        if rc < 0 { throw quotaError("read the quota of project \(id) for", dir.path, -rc, mount: mount) }
        let bytes = hard.multipliedReportingOverflow(by: 1024)
        return (bytes.overflow ? Int64.max : Int64(clamping: bytes.partialValue), Int64(clamping: space), Int64(clamping: inodes))
    }

    /// Keeps the id `dir` already has when it is one of pvd's (a retry), else takes the first
    /// free id from the preferred one on: free means no inodes charged and no limit set, which
    /// the quota itself records, so no id table is kept anywhere else.
    static func assign(_ dir: OpenDirectory, name: String, mount: MountInfoEntry) throws(DriverError) -> UInt32 {
        let current = try projectID(of: dir)
        if ids.contains(current.id) && current.inherit { return current.id }
        let start = preferredID(for: name)
        for step in 0..<probes {
            let span = ids.upperBound - ids.lowerBound + 1
            let id = ids.lowerBound + (start - ids.lowerBound + step) % span
            let used = try usage(dir, id: id, mount: mount)
            if used.inodes == 0 && used.limit == 0 {
                try setProjectID(dir, id: id)
                return id
            }
        }
        throw DriverError(.busy, "no free project id for \(name) near \(start) on \(mount.mountPoint) (\(probes) tried)")
    }

    static func quotaError(_ what: String, _ path: String, _ e: Int32, mount: MountInfoEntry? = nil) -> DriverError {
        let fs = mount.map { " (\($0.fsType) at \($0.mountPoint))" } ?? ""
        switch e {
        case ENOSYS:
            return DriverError(.unsupported, "cannot \(what) \(path)\(fs): this kernel has no quotactl; drop quota: enforce", errno: e)
        case ESRCH:
            return DriverError(.unsupported, "cannot \(what) \(path)\(fs): project quotas are not turned on there; mount it with -o prjquota or drop quota: enforce", errno: e)
        case EOPNOTSUPP, ENOTTY, EINVAL:
            return DriverError(.unsupported, "cannot \(what) \(path)\(fs): the filesystem does not support project ids (ext4 needs -O quota,project); drop quota: enforce", errno: e)
        default:
            return DriverError.system("cannot \(what)", path + fs, errno: e)
        }
    }
}
