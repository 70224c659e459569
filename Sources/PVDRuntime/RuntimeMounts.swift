import CLinux
import PVDDrivers

#if canImport(Glibc)
import Glibc
#endif

/// The mounts the runtime makes itself, through `mount(2)` and `umount2(2)` directly: each
/// container's overlay root and its subPath binds. Errors name the call, the path and errno.
public enum RuntimeMounts {
    /// An overlay of the image (`lower`, never written) and the container's own `upper` at `target`.
    public static func overlay(lower: String, upper: String, work: String, target: String) throws(RuntimeError) {
        for p in [lower, upper, work] where p.contains(",") || p.contains(":") {
            throw RuntimeError(.invalid, "overlay on \(target): path \(p) has a character overlayfs options cannot carry")
        }
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
        guard mount("overlay", target, "overlay", 0, options) == 0 else {
            throw RuntimeError.system("mount overlay (\(options)) on", target, errno: errno)
        }
    }

    /// Binds what the descriptor `fd` opened onto `target`: through /proc/self/fd the kernel
    /// binds exactly that file, whatever its path has become since it was resolved.
    public static func bind(fd: Int32, target: String) throws(RuntimeError) {
        let source = "/proc/self/fd/\(fd)"
        guard mount(source, target, nil, UInt(MS_BIND), nil) == 0 else {
            throw RuntimeError.system("mount --bind \(source) on", target, errno: errno)
        }
    }

    /// Unmounts exactly `target` (UMOUNT_NOFOLLOW); false when nothing is mounted there.
    @discardableResult
    public static func unmount(_ target: String) throws(RuntimeError) -> Bool {
        if umount2(target, Int32(UMOUNT_NOFOLLOW)) == 0 { return true }
        let e = errno
        if e == EINVAL || e == ENOENT { return false }
        throw RuntimeError.system("umount", target, errno: e)
    }

    /// Unmounts every mount at or below `path`, deepest first (the mount table read fresh).
    public static func unmountAll(under path: String) throws(RuntimeError) {
        let table: [MountInfoEntry]
        do {
            table = try MountTable.entries()
        } catch {
            throw RuntimeError(.system, error.message, errno: error.errno)
        }
        let inside = table.filter { $0.mountPoint == path || $0.mountPoint.hasPrefix(path + "/") }
            .sorted { $0.mountPoint.count != $1.mountPoint.count ? $0.mountPoint.count > $1.mountPoint.count : $0.id > $1.id }
        for m in inside { try unmount(m.mountPoint) }
    }
}

