import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Whether a volume is still reachable from a Pod: what the reclaimer asks before it deletes
/// or empties a volume, since unpublishing can fail (a busy mount, the pods lock not taken).
extension PodVolumeTree {
    /// The mounts under `<root>/pods` that show the volume at `source` (its directory, or its
    /// device node or a link to one), as mountinfo lists them in `mounts`.
    ///
    /// Matched by what is mounted, not by path: a bind's mountinfo line names the filesystem's
    /// device (`major:minor`) and the directory of that filesystem it shows (`root`), while its
    /// `source` field is only the device name and says nothing of which directory was bound. So
    /// `source` is opened (through links, as mount(2) does), the mount it is on is found by its
    /// mount id, and the source's device is that mount's `major:minor` (not `st_dev`, which on
    /// btrfs names a subvolume instead), its path inside the filesystem that mount's `root` plus
    /// the rest of the source's path below the mount point. A
    /// pod mount of the same device whose root is that path, inside it or above it shows the
    /// volume. A loop volume's mount is a whole filesystem on the loop device, so any pod mount
    /// of that device matches; a Block volume's pod bind shows the device node's directory
    /// entry in /dev, so it matches on /dev's device and the node's path there.
    /// A source that does not exist is shown by no mount.
    public func mounts(showing source: String, mounts: [MountInfoEntry]) throws(DriverError) -> [MountInfoEntry] {
        let base = try LibMountMounter.canonicalPath(podsDir) ?? podsDir
        let inPods = mounts.filter { $0.mountPoint.hasPrefix(base + "/") }
        if inPods.isEmpty { return [] }
        // O_PATH: a Block volume's device node is looked at, never opened.
        let fd = open(source, PVD_O_PATH | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw DriverError.system("open volume", source, errno: errno)
        }
        defer { _ = close(fd) }
        var id: UInt64 = 0
        let rc = pvd_mount_id(fd, &id)
        if rc < 0 { throw DriverError.system("statx", source, errno: -rc) }
        guard let canonical = try LibMountMounter.canonicalPath(source),
              let home = mounts.first(where: { $0.id == id }) ?? (try? MountTable.entry(of: fd, path: source))
        else { return [] }
        let rest = home.mountPoint == "/" ? canonical : String(canonical.dropFirst(home.mountPoint.count))
        let inside = Self.joinRoot(home.root, rest)
        return inPods.filter { m in
            m.device == home.device
                && (m.root == inside || m.root.hasPrefix(inside == "/" ? "/" : inside + "/") || inside.hasPrefix(m.root == "/" ? "/" : m.root + "/"))
        }
    }

    /// A mount's root joined with a path below its mount point ("" or "/x").
    static func joinRoot(_ root: String, _ rest: String) -> String {
        if rest.isEmpty || rest == "/" { return root }
        return root == "/" ? rest : root + rest
    }
}
