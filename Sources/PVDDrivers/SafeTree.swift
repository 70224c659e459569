import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Makes, empties and removes directory trees under a fixed set of allowed roots, without ever
/// following a symlink or crossing a mount point inside the tree.
///
/// Every path is first checked lexically (absolute, no `..`, inside one of the roots), then
/// opened one component at a time from a descriptor of its root with `openat2(2)` and
/// `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` (plus `RESOLVE_NO_XDEV`
/// below the anchor), so the kernel enforces the same rules at the moment of use, with no
/// window between a check and the call. Needs Linux 5.6.
///
/// An *anchor* is the directory a tree hangs from (a hostPath `basePath`). Between a root and
/// an anchor mounts may be crossed, since an administrator puts them there (an XFS for project
/// quotas under `/var/lib/pvd`); below an anchor they never are.
public struct SafeTree: Sendable {
    /// The allowed roots, normalised.
    public let roots: [String]

    /// - Throws: `.invalid` when a root is not an absolute path without `..`.
    public init(roots: [String]) throws(DriverError) {
        var normalised: [String] = []
        for root in roots {
            normalised.append(try SafeTree.normalise(root, what: "allowed root"))
        }
        self.roots = normalised
    }

    /// `path` with empty and `.` components dropped. Refuses relative paths and any `..`:
    /// a `..` could only be resolved by looking at the disk, which is what this check must not need.
    public static func normalise(_ path: String, what: String = "path") throws(DriverError) -> String {
        guard path.hasPrefix("/") else {
            throw DriverError(.invalid, "\(what) \"\(path)\" is not an absolute path")
        }
        let parts = components(path)
        if parts.contains("..") {
            throw DriverError(.invalid, "\(what) \"\(path)\" contains \"..\"")
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether one of two normalised paths is the other or lies inside it, by components.
    static func overlaps(_ a: String, _ b: String) -> Bool {
        let x = components(a), y = components(b)
        return x.count >= y.count ? Array(x.prefix(y.count)) == y : Array(y.prefix(x.count)) == x
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// The root holding `path` (the longest one that does) and the components of `path` below it.
    /// - Throws: `.refused` when `path` is in none of the roots; nothing on disk is looked at.
    public func locate(_ path: String) throws(DriverError) -> (root: String, below: [String]) {
        let normal = try SafeTree.normalise(path)
        let parts = SafeTree.components(normal)
        var best: (root: String, below: [String])?
        for root in roots {
            let rootParts = SafeTree.components(root)
            guard parts.count >= rootParts.count, Array(parts.prefix(rootParts.count)) == rootParts else { continue }
            if best == nil || SafeTree.components(best!.root).count < rootParts.count {
                best = (root, Array(parts.dropFirst(rootParts.count)))
            }
        }
        guard let found = best else {
            let list = roots.joined(separator: ", ")
            throw DriverError(.refused, "path \(normal) is outside the allowed roots (\(list))")
        }
        return found
    }

    /// Opens the anchor directory `path` (inside a root), never following a symlink on the way;
    /// with `create`, missing directories are made with mode 0755.
    /// - Returns: the open directory (closed when released), or nil when it does not exist and
    ///   `create` is false.
    public func openAnchor(_ path: String, create: Bool) throws(DriverError) -> OpenDirectory? {
        let (root, below) = try locate(path)
        if create { try SafeTree.makeRoot(root) }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else {
            let e = errno
            if e == ENOENT && !create { return nil }
            throw DriverError.system("open allowed root", root, errno: e)
        }
        let rootDir = OpenDirectory(fd: rootFD, path: root)
        return try SafeTree.walk(below, from: rootDir, crossMounts: true, create: create ? 0o755 : nil)
    }

    /// Makes a missing allowed root and its parents (mode 0755) with plain mkdir: a root is
    /// configuration, trusted as written, unlike anything below it.
    static func makeRoot(_ root: String) throws(DriverError) {
        var prefix = ""
        for part in components(root) {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DriverError.system("mkdir allowed root", prefix, errno: errno)
            }
        }
    }

    /// Opens `components` one at a time below `start` (which it consumes) with openat2.
    /// Returns nil when a component is missing and `create` is nil.
    static func walk(
        _ components: [String], from start: OpenDirectory, crossMounts: Bool, create: mode_t?
    ) throws(DriverError) -> OpenDirectory? {
        var current = start
        for name in components {
            var fd = openChild(current.fd, name, crossMounts: crossMounts)
            var made = false
            if fd == -ENOENT, let mode = create {
                // EEXIST means a concurrent maker won; the open below settles what it is.
                if mkdirat(current.fd, name, mode) == 0 {
                    made = true
                } else if errno != EEXIST {
                    throw DriverError.system("mkdir", current.path + "/" + name, errno: errno)
                }
                fd = openChild(current.fd, name, crossMounts: crossMounts)
            }
            let path = current.path + "/" + name
            if fd == -ENOENT { return nil }
            if fd < 0 { throw openError(path, -fd, parent: current.fd, name: name) }
            current = OpenDirectory(fd: fd, path: path)
            // fchmod on the descriptor, not fchmodat on the name: fchmodat follows a symlink
            // swapped in after mkdir, and the umask has trimmed mkdir's mode.
            if made, let mode = create, fchmod(fd, mode) != 0 {
                throw DriverError.system("chmod", path, errno: errno)
            }
        }
        return current
    }

    /// openat2 of one directory entry, read-only, as a directory, never through a symlink or
    /// (unless `crossMounts`) onto another mount. Returns the fd or -errno. EAGAIN (a rename
    /// raced the lookup under RESOLVE_BENEATH) is retried a few times.
    static func openChild(_ dirFD: Int32, _ name: String, crossMounts: Bool) -> Int32 {
        var resolve = UInt64(PVD_RESOLVE_BENEATH | PVD_RESOLVE_NO_SYMLINKS | PVD_RESOLVE_NO_MAGICLINKS)
        if !crossMounts { resolve |= UInt64(PVD_RESOLVE_NO_XDEV) }
        var rc: Int32 = -EAGAIN
        for _ in 0..<8 where rc == -EAGAIN {
            rc = pvd_openat2(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, resolve)
        }
        return rc
    }

    /// Same as `openChild(_:_:crossMounts:)`, for a raw (possibly non-UTF-8) entry name, never
    /// crossing a mount; `flags` other than a directory's read-only open (the ownership walk
    /// opens every entry `O_PATH | O_NOFOLLOW`).
    static func openChild(_ dirFD: Int32, raw name: [CChar], flags: Int32 = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) -> Int32 {
        let resolve = UInt64(PVD_RESOLVE_BENEATH | PVD_RESOLVE_NO_SYMLINKS | PVD_RESOLVE_NO_MAGICLINKS | PVD_RESOLVE_NO_XDEV)
        var rc: Int32 = -EAGAIN
        for _ in 0..<8 where rc == -EAGAIN {
            rc = name.withUnsafeBufferPointer { buffer in pvd_openat2(dirFD, buffer.baseAddress, flags, 0, resolve) }
        }
        return rc
    }

    /// The error for a failed openat2, in words a user can act on. With the entry's `parent`
    /// and `name`, an ENOTDIR from a symlink (O_DIRECTORY | O_NOFOLLOW answers so) says symlink.
    static func openError(_ path: String, _ e: Int32, parent: Int32? = nil, name: String? = nil) -> DriverError {
        if e == ENOTDIR, let parent, let name {
            var st = stat()
            if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFLNK {
                return DriverError(.refused, "\(path) is a symlink; pvd never follows symlinks", errno: ELOOP)
            }
        }
        switch e {
        case ELOOP:
            return DriverError(.refused, "\(path) is or passes through a symlink; pvd never follows symlinks", errno: e)
        case EXDEV:
            return DriverError(.refused, "\(path) is or passes through a mount point; pvd never crosses mounts there", errno: e)
        case ENOTDIR:
            return DriverError(.refused, "\(path) is not a directory", errno: e)
        case ENOSYS:
            return DriverError(.unsupported, "openat2 is not available (Linux 5.6 or later is needed) for \(path)", errno: e)
        default:
            return DriverError.system("open", path, errno: e)
        }
    }
}
