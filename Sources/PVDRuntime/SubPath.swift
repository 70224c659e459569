import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// A volumeMount's `subPath`, resolved inside its volume as the kubelet resolves it: every
/// component is opened with `openat2(2)` under RESOLVE_BENEATH from the volume's own descriptor,
/// so neither `..` nor a symlink (absolute, or relative and climbing) gets out of the volume; a
/// missing directory is created. The result is an open descriptor, bound by its /proc/self/fd
/// path, so a rename after the check cannot redirect the mount.
public enum SubPath {
    /// Opens `subPath` under `volume` (O_PATH); the caller closes it.
    public static func open(_ subPath: String, in volume: String) throws(RuntimeError) -> Int32 {
        let root = Glibc.open(volume, PVD_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw RuntimeError.system("open volume", volume, errno: errno) }
        defer { close(root) }
        let resolve = UInt64(PVD_RESOLVE_BENEATH | PVD_RESOLVE_NO_MAGICLINKS)
        let whole = pvd_openat2(root, subPath, PVD_O_PATH | O_CLOEXEC, 0, resolve)
        if whole >= 0 { return whole }
        guard -whole == ENOENT else { throw refusal(subPath, volume, -whole) }
        // Missing: made one directory at a time, each opened beneath the one before.
        var current = dup(root)
        guard current >= 0 else { throw RuntimeError.system("dup", volume, errno: errno) }
        for component in subPath.split(separator: "/").map(String.init) where component != "." {
            var next = pvd_openat2(current, component, PVD_O_PATH | O_CLOEXEC, 0, resolve)
            if next == -ENOENT {
                if mkdirat(current, component, 0o755) != 0 && errno != EEXIST {
                    let e = errno
                    close(current)
                    throw RuntimeError.system("mkdir subPath \(subPath) in", volume, errno: e)
                }
                next = pvd_openat2(current, component, PVD_O_PATH | O_CLOEXEC, 0, resolve)
            }
            close(current)
            guard next >= 0 else { throw refusal(subPath, volume, -next) }
            current = next
        }
        return current
    }

    static func refusal(_ subPath: String, _ volume: String, _ e: Int32) -> RuntimeError {
        if e == EXDEV || e == ELOOP {
            return RuntimeError(.invalid, "subPath \"\(subPath)\" leads outside its volume \(volume): refused", errno: e)
        }
        return RuntimeError.system("open subPath \(subPath) in", volume, errno: e)
    }

    /// Whether the descriptor is a directory (the bind target must be of the same type).
    public static func isDirectory(_ fd: Int32) -> Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
