#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The file-system calls the loop driver and `LinuxLoopDevices` make, each turning a failure
/// into `DriverError.system` naming the call and the path. An enum so that its names stay out
/// of the way of the other drivers' helpers in this module.
enum LoopFiles {
    /// A file's identity: the device it lives on and its inode (`stat` st_dev, st_ino), the same
    /// pair the kernel reports for a loop device's backing file (LOOP_GET_STATUS64).
    struct Identity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    /// `lstat(2)`, or nil when nothing is at `path`. Never follows a final symlink.
    static func lstatIfExists(_ path: String) throws(DriverError) -> stat? {
        var st = stat()
        if lstat(path, &st) == 0 { return st }
        let e = errno
        if e == ENOENT { return nil }
        throw .system("lstat", path, errno: e)
    }

    /// `stat(2)` (following symlinks), or nil when nothing is at `path`.
    static func statIfExists(_ path: String) throws(DriverError) -> stat? {
        var st = stat()
        if stat(path, &st) == 0 { return st }
        let e = errno
        if e == ENOENT { return nil }
        throw .system("stat", path, errno: e)
    }

    static func identity(of st: stat) -> Identity {
        Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    static func isDirectory(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }
    static func isRegular(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFREG }
    static func isSymlink(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFLNK }

    /// `mkdir -p`: makes `path` with `mode` and any missing parents with `parentMode`. An existing
    /// directory is fine, and so is a symlink to one among the parents (an administrator may make
    /// the root one); `path` itself must be a real directory: a volume is never mounted or put
    /// through a link somewhere else.
    static func makeDirectories(_ path: String, mode: mode_t, parentMode: mode_t = 0o755) throws(DriverError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, component) in components.enumerated() {
            prefix += "/" + component
            if mkdir(prefix, index == components.count - 1 ? mode : parentMode) == 0 { continue }
            let e = errno
            guard e == EEXIST else { throw .system("mkdir", prefix, errno: e) }
            let isLast = index == components.count - 1
            guard let st = try isLast ? lstatIfExists(prefix) : statIfExists(prefix), isDirectory(st) else {
                throw DriverError(.refused, "\(prefix) exists and is not a directory\(isLast ? " (pvd does not follow a symlink here)" : "")")
            }
        }
    }

    /// `rmdir(2)`; a directory already gone is fine. Never removes contents: a mount directory
    /// that is not empty may still hold a filesystem pvd failed to see, so it stays.
    static func removeDirectoryIfExists(_ path: String) throws(DriverError) {
        if rmdir(path) == 0 { return }
        let e = errno
        if e == ENOENT { return }
        if e == ENOTEMPTY || e == EEXIST {
            throw DriverError(.busy, "rmdir \(path): directory not empty; pvd removes only empty mount directories", errno: e)
        }
        throw .system("rmdir", path, errno: e)
    }

    /// `unlink(2)`; a file already gone is fine.
    static func unlinkIfExists(_ path: String) throws(DriverError) {
        if unlink(path) == 0 { return }
        let e = errno
        if e == ENOENT { return }
        throw .system("unlink", path, errno: e)
    }

    /// The names in a directory (not "." or ".."), or nil when the directory does not exist.
    static func entries(of directory: String) throws(DriverError) -> [String]? {
        guard let dir = opendir(directory) else {
            let e = errno
            if e == ENOENT { return nil }
            throw .system("opendir", directory, errno: e)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The contents of a small file (a sysfs attribute), or nil when it does not exist.
    static func readSmallFile(_ path: String) throws(DriverError) -> String? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
        } catch let e as Errno {
            if e == .noSuchFileOrDirectory || e == .noSuchAddressOrDevice { return nil }
            throw .system("open", path, errno: e.rawValue)
        } catch {
            throw DriverError(.system, "open \(path): \(error)")
        }
        defer { try? fd.close() }
        do {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0) }
                if n == 0 { break }
                bytes += buffer[0..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        } catch let e as Errno {
            // A sysfs attribute whose device went away between open and read.
            if e == .operationNotSupportedByDevice || e == .noSuchAddressOrDevice || e == .noSuchFileOrDirectory { return nil }
            throw .system("read", path, errno: e.rawValue)
        } catch {
            throw DriverError(.system, "read \(path): \(error)")
        }
    }

    /// `fsync(2)` on a directory, so that a rename or unlink in it survives a power cut.
    static func syncDirectory(_ path: String) throws(DriverError) {
        let fd = try open(path, .readOnly, options: [.directory, .closeOnExec])
        defer { try? fd.close() }
        let r = fsync(fd.rawValue)
        if r != 0 { throw .system("fsync", path, errno: errno) }
    }

    /// Bytes an unprivileged writer may still use on the filesystem holding `path`
    /// (`statvfs(3)`: f_bavail × f_frsize).
    static func availableBytes(_ path: String) throws(DriverError) -> Int64 {
        var vfs = statvfs()
        if statvfs(path, &vfs) != 0 { throw .system("statvfs", path, errno: errno) }
        let (bytes, overflow) = UInt64(vfs.f_bavail).multipliedReportingOverflow(by: UInt64(vfs.f_frsize))
        return overflow || bytes > UInt64(Int64.max) ? Int64.max : Int64(bytes)
    }

    /// `FileDescriptor.open` with its `Errno` turned into a `DriverError` naming the path.
    static func open(
        _ path: String, _ mode: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions = [.closeOnExec],
        permissions: FilePermissions? = nil
    ) throws(DriverError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(path, mode, options: options, permissions: permissions)
        } catch let e as Errno {
            throw .system("open", path, errno: e.rawValue)
        } catch {
            throw DriverError(.system, "open \(path): \(error)")
        }
    }
}
