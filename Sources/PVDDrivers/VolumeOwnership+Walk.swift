import CLinux

#if canImport(Glibc)
import Glibc
#endif

extension VolumeOwnership {
    /// What one `apply(to:)` did.
    public struct Report: Sendable, Equatable {
        /// `OnRootMismatch` found the root as wanted: nothing was walked.
        public var skipped = false
        /// Entries looked at, the root included.
        public var visited = 0
        /// Entries whose group or mode changed.
        public var changed = 0
        /// Entries left as they were because another filesystem is mounted there.
        public var otherMounts = 0
        /// chown or chmod calls that failed; the walk goes on past them, as the kubelet's does.
        public var failed = 0
        /// The first of those failures, for the log.
        public var firstFailure: String?
    }

    /// Gives the volume at `path` (a directory) the group and modes. The walk is depth first
    /// with an explicit stack, each directory's entries before the directory itself and the
    /// root last. Every entry is opened with `openat2` beneath its parent's descriptor as
    /// `O_PATH | O_NOFOLLOW`, and changed through that descriptor: a symlink gets the group
    /// itself and is never followed, a name renamed meanwhile changes nothing outside the
    /// volume, and nothing on another filesystem mounted inside is touched. An entry that
    /// vanishes during the walk is passed over; a directory that cannot be opened or read
    /// stops the walk with an error naming it.
    public func apply(to path: String) throws(DriverError) -> Report {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DriverError.system("open volume directory", path, errno: errno) }
        let root = OpenDirectory(fd: fd, path: path)
        var rootStat = stat()
        guard fstat(fd, &rootStat) == 0 else { throw DriverError.system("stat", path, errno: errno) }
        var report = Report()
        guard walks(rootGID: rootStat.st_gid, rootMode: rootStat.st_mode) else {
            report.skipped = true
            return report
        }
        var stack = [Frame(dir: root, entries: try SafeTree.entries(of: root), stat: rootStat)]
        while let frame = stack.last {
            guard frame.next < frame.entries.count else {
                stack.removeLast()
                change(frame.dir.fd, through: .directory, path: frame.dir.path, frame.stat, &report)
                continue
            }
            let entry = frame.entries[frame.next]
            frame.next += 1
            let entryPath = frame.dir.path + "/" + entry.display
            let child = SafeTree.openChild(frame.dir.fd, raw: entry.raw, flags: PVD_O_PATH | O_NOFOLLOW | O_CLOEXEC)
            if child == -ENOENT { continue }
            if child == -EXDEV {
                report.otherMounts += 1
                continue
            }
            guard child >= 0 else { throw DriverError.system("open", entryPath, errno: -child) }
            var st = stat()
            guard fstat(child, &st) == 0 else {
                let e = errno
                _ = close(child)
                throw DriverError.system("stat", entryPath, errno: e)
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                // The very directory the O_PATH descriptor holds, opened for reading.
                let dir = openat(child, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                let e = errno
                _ = close(child)
                guard dir >= 0 else { throw DriverError.system("open", entryPath, errno: e) }
                let opened = OpenDirectory(fd: dir, path: entryPath)
                stack.append(Frame(dir: opened, entries: try SafeTree.entries(of: opened), stat: st))
            case S_IFLNK:
                change(child, through: .symlink, path: entryPath, st, &report)
                _ = close(child)
            default:
                change(child, through: .path, path: entryPath, st, &report)
                _ = close(child)
            }
        }
        return report
    }

    /// The group of the directory at `path` (nil when it cannot be read).
    public static func group(of path: String) -> UInt32? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_gid : nil
    }

    /// How an entry's descriptor is changed: an O_PATH descriptor takes no fchown or fchmod.
    private enum Handle {
        /// Opened for reading: fchown, fchmod.
        case directory
        /// O_PATH to a symlink: the group only (a symlink's mode means nothing, and chmod
        /// would change its target).
        case symlink
        /// O_PATH to anything else: fchownat on the descriptor itself, chmod through
        /// /proc/self/fd, which reaches the inode the descriptor holds.
        case path
    }

    private func change(_ fd: Int32, through handle: Handle, path: String, _ st: stat, _ report: inout Report) {
        report.visited += 1
        let directory = handle == .directory
        var changed = false
        var chowned = false
        if st.st_gid != group {
            let rc = handle == .directory ? fchown(fd, uid_t.max, group) : fchownat(fd, "", uid_t.max, group, PVD_AT_EMPTY_PATH)
            if rc == 0 {
                changed = true
                chowned = true
            } else {
                fail("chown", path, errno, &report)
            }
        }
        if handle != .symlink {
            let wanted = mode(from: st.st_mode, directory: directory)
            // A chown of a file clears its setuid (and group-executable setgid) bits: put back
            // what it had, as the kubelet's chmod with the mode read before does.
            let cleared = chowned && !directory && st.st_mode & (S_ISUID | S_ISGID) != 0
            if cleared || st.st_mode & 0o7777 != wanted {
                let rc = directory ? fchmod(fd, wanted) : chmod("/proc/self/fd/\(fd)", wanted)
                if rc == 0 { changed = true } else { fail("chmod", path, errno, &report) }
            }
        }
        if changed { report.changed += 1 }
    }

    private func fail(_ what: String, _ path: String, _ e: Int32, _ report: inout Report) {
        report.failed += 1
        if report.firstFailure == nil { report.firstFailure = DriverError.system(what, path, errno: e).message }
    }

    /// One directory being walked: its entries, the next to look at, and its stat from before.
    private final class Frame {
        let dir: OpenDirectory
        let entries: [SafeTree.Entry]
        let stat: stat
        var next = 0
        init(dir: OpenDirectory, entries: [SafeTree.Entry], stat: stat) {
            self.dir = dir
            self.entries = entries
            self.stat = stat
        }
    }
}
