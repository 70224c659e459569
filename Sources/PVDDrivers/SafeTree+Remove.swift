import CLinux
#if canImport(Glibc)
import Glibc
#endif

extension SafeTree {
    /// Removes the directory `path` and everything in it. `path` must lie strictly below
    /// `anchor`, and `anchor` inside one of the roots; the anchor itself is never removed.
    /// Files and symlinks are unlinked (a symlink itself, never its target); a directory that is
    /// a mount point is left alone, with its contents, and reported.
    /// A `path` that does not exist is success.
    /// - Throws: `.refused` naming every mount point left behind (or when `path` itself is a
    ///   symlink, a mount point or not a directory); `.refused` before any syscall when a path
    ///   is outside the roots.
    public func remove(_ path: String, below anchor: String) throws(DriverError) {
        try removeTree(path, below: anchor, keepTop: false)
    }

    /// Empties the directory `path` (for a Recycle reclaim): the same walk as `remove`, but the
    /// directory itself stays, with its mode, owner and project id.
    public func scrub(_ path: String, below anchor: String) throws(DriverError) {
        try removeTree(path, below: anchor, keepTop: true)
    }

    func removeTree(_ path: String, below anchor: String, keepTop: Bool) throws(DriverError) {
        let normalAnchor = try SafeTree.normalise(anchor, what: "anchor")
        let normal = try SafeTree.normalise(path)
        let anchorParts = SafeTree.components(normalAnchor)
        let parts = SafeTree.components(normal)
        guard parts.count > anchorParts.count, Array(parts.prefix(anchorParts.count)) == anchorParts else {
            throw DriverError(.refused, "\(normal) is not below \(normalAnchor); pvd removes only what lies below it")
        }
        guard let base = try openAnchor(normalAnchor, create: false) else { return }
        try SafeTree.removeTree(Array(parts.dropFirst(anchorParts.count)), below: base, keepTop: keepTop)
    }

    /// Removes (or, with `keepTop`, empties) `components` below the open `anchor`. Directories
    /// inside for which `sparing` says true (asked with their open descriptor) are left whole,
    /// and reported as `.refused` once the rest is gone.
    public static func removeTree(
        _ components: [String], below anchor: OpenDirectory, keepTop: Bool, sparing: (OpenDirectory) -> Bool = { _ in false }
    ) throws(DriverError) {
        guard let leaf = components.last else {
            throw DriverError(.refused, "pvd does not remove \(anchor.path) itself")
        }
        guard let parent = try walk(Array(components.dropLast()), from: anchor, crossMounts: false, create: nil) else { return }
        let fd = openChild(parent.fd, leaf, crossMounts: false)
        if fd == -ENOENT { return }
        if fd < 0 { throw openError(parent.path + "/" + leaf, -fd, parent: parent.fd, name: leaf) }
        let top = OpenDirectory(fd: fd, path: parent.path + "/" + leaf)
        try emptyDirectory(top, sparing: sparing)
        if !keepTop && unlinkat(parent.fd, leaf, AT_REMOVEDIR) != 0 && errno != ENOENT {
            throw DriverError.system("rmdir", top.path, errno: errno)
        }
    }

    /// Empties the open directory `top`, which stays; directories named in `keeping` directly
    /// inside it are emptied but kept too (a filesystem's `lost+found`), and directories
    /// `sparing` picks are left whole.
    /// - Throws: `.refused` naming every spared directory and mount point left in place, with its contents.
    public static func emptyDirectory(
        _ top: OpenDirectory, keeping: Set<String> = [], sparing: (OpenDirectory) -> Bool = { _ in false }
    ) throws(DriverError) {
        var left: [String] = [], spared: [String] = []
        try empty(top, keeping: keeping, left: &left, spared: &spared, sparing: sparing)
        try reportLeft(left, spared: spared)
    }

    /// The refusal for what an emptying left in place, if anything.
    static func reportLeft(_ left: [String], spared: [String]) throws(DriverError) {
        if !spared.isEmpty {
            throw DriverError(.refused, "left directories pvd must not empty in place, with their contents: \(spared.joined(separator: ", "))")
        }
        if !left.isEmpty {
            throw DriverError(.refused, "left mount point(s) in place, with their contents: \(left.joined(separator: ", ")); unmount them and try again")
        }
    }

    /// Empties the directory at `path` itself (a static hostPath volume, for Recycle): reached
    /// from its root without following symlinks (mounts on the way are crossed, and the
    /// directory may be a mount point), emptied without following symlinks or crossing mounts.
    /// `path` must lie strictly inside a root; a root itself is never emptied.
    /// A directory inside for which `sparing` (asked with its open descriptor, so nothing can be
    /// swapped in between the check and the walk) says true is neither entered nor removed.
    /// - Throws: `.refused` outside the roots, or naming every spared directory and mount point
    ///   left in place; `.notFound` when it does not exist.
    public func emptyContents(of path: String, sparing: (OpenDirectory) -> Bool = { _ in false }) throws(DriverError) {
        let (root, below) = try locate(path)
        guard !below.isEmpty else {
            throw DriverError(.refused, "\(root) is an allowed root itself; pvd empties only directories inside one")
        }
        guard let dir = try openAnchor(path, create: false) else {
            throw DriverError(.notFound, "\(path) does not exist")
        }
        var left: [String] = [], spared: [String] = []
        try SafeTree.empty(dir, left: &left, spared: &spared, sparing: sparing)
        try SafeTree.reportLeft(left, spared: spared)
    }

    /// One directory being emptied: its descriptor, its entries, how far through them the walk
    /// is, its raw name in its parent, and how many refusals there were when it began.
    private final class Frame {
        let dir: OpenDirectory
        let entries: [Entry]
        var next = 0
        let name: [CChar]
        let leftBefore: Int
        /// Emptied but not removed.
        let keep: Bool
        init(dir: OpenDirectory, entries: [Entry], name: [CChar], leftBefore: Int, keep: Bool = false) {
            self.dir = dir
            self.entries = entries
            self.name = name
            self.leftBefore = leftBefore
            self.keep = keep
        }
    }

    struct Entry {
        /// The name as the kernel gave it, NUL-terminated: names need not be UTF-8, and a
        /// repaired String would unlink the wrong thing (or nothing).
        var raw: [CChar]
        var isDirectory: Bool
        var display: String { String(decoding: raw.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Empties `top` depth first with an explicit stack (deep trees must not exhaust a task's
    /// small stack); one descriptor stays open per level. Mount points are appended to `left`.
    /// Directories named in `keeping` directly inside `top` are emptied and kept. Directories
    /// `sparing` picks are left whole and appended to `spared`.
    static func empty(
        _ top: OpenDirectory, keeping: Set<String> = [], left: inout [String], spared: inout [String],
        sparing: (OpenDirectory) -> Bool
    ) throws(DriverError) {
        var stack = [Frame(dir: top, entries: try entries(of: top), name: [], leftBefore: 0)]
        while let frame = stack.last {
            guard frame.next < frame.entries.count else {
                stack.removeLast()
                guard let parent = stack.last, !frame.keep else { continue }
                let rc = unlinkat(parent.dir.fd, frame.name, AT_REMOVEDIR)
                if rc != 0 {
                    let e = errno
                    // Not empty because a mount point or spared directory inside was left: already reported.
                    let explained = e == ENOTEMPTY && left.count + spared.count > frame.leftBefore
                    if e != ENOENT && !explained { throw DriverError.system("rmdir", frame.dir.path, errno: e) }
                }
                continue
            }
            let entry = frame.entries[frame.next]
            frame.next += 1
            let path = frame.dir.path + "/" + entry.display
            if !entry.isDirectory {
                let rc = unlinkat(frame.dir.fd, entry.raw, 0)
                if rc == 0 { continue }
                let e = errno
                if e == ENOENT { continue }
                // A file bind-mounted over this name.
                if e == EBUSY { left.append(path); continue }
                if e != EISDIR { throw DriverError.system("unlink", path, errno: e) }
            }
            let fd = openChild(frame.dir.fd, raw: entry.raw)
            switch -fd {
            case ENOENT:
                continue
            case EXDEV:
                left.append(path)
                continue
            case ELOOP, ENOTDIR:
                // Replaced by a symlink or a file since it was listed: unlink that, never follow it.
                let rc = unlinkat(frame.dir.fd, entry.raw, 0)
                if rc != 0 && errno != ENOENT { throw DriverError.system("unlink", path, errno: errno) }
                continue
            default:
                if fd < 0 { throw openError(path, -fd) }
            }
            let child = OpenDirectory(fd: fd, path: path)
            if sparing(child) {
                spared.append(path)
                continue
            }
            let keep = stack.count == 1 && keeping.contains(entry.display)
            stack.append(Frame(dir: child, entries: try entries(of: child), name: entry.raw, leftBefore: left.count + spared.count, keep: keep))
        }
    }

    /// The entries of `dir` but `.` and `..`, read from the start through a duplicate descriptor
    /// (closedir closes the one it is given) before anything is removed, since removing while reading
    /// may make readdir skip entries on some filesystems.
    static func entries(of dir: OpenDirectory) throws(DriverError) -> [Entry] {
        let copy = dup(dir.fd)
        guard copy >= 0 else { throw DriverError.system("dup", dir.path, errno: errno) }
        guard let stream = fdopendir(copy) else {
            let e = errno
            _ = close(copy)
            throw DriverError.system("fdopendir", dir.path, errno: e)
        }
        defer { _ = closedir(stream) }
        // A dup shares the open file's position with `dir.fd` and every other copy: an earlier
        // listing of the same descriptor left it at the end.
        rewinddir(stream)
        var result: [Entry] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw DriverError.system("readdir", dir.path, errno: errno) }
                break
            }
            var raw = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                Array(bytes.bindMemory(to: CChar.self).prefix { $0 != 0 })
            }
            if raw == [46] || raw == [46, 46] { continue }
            raw.append(0)
            result.append(Entry(raw: raw, isDirectory: entry.pointee.d_type == UInt8(DT_DIR)))
        }
        return result
    }
}
