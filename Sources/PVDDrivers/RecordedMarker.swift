import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The mark a driver sets on a volume's backing (a hostPath directory, a loop image) once the
/// volume's PersistentVolume is in the store: the extended attribute `trusted.pvd.recorded`.
/// A backing that has it was handed to Kubernetes at least once, so its data may be wanted
/// whatever the store says later (a Retain PV deleted by an admin, a static PV of another name
/// pointing at it, an older store restored); the orphan sweep never removes it.
///
/// The sweep may trust the mark's absence only when it could have been seen: the process holds
/// CAP_SYS_ADMIN (without it the kernel hides `trusted.*` and answers ENODATA for every file)
/// and the filesystem answers ENODATA, not "no extended attributes here".
enum RecordedMarker {
    static let attribute = "trusted.pvd.recorded"
    /// CAP_SYS_ADMIN, which `trusted.*` attributes need (<linux/capability.h>).
    static let sysAdmin = 21

    enum State: Equatable {
        case recorded
        /// Provably not there: the backing's PV was never recorded.
        case absent
        /// Cannot be told (errno of the read): never taken for absent.
        case unknown(Int32)
    }

    /// Whether this process could see the mark if it were there.
    static func canSee() -> Bool {
        ProcessCapabilities.current()?.contains(bit: sysAdmin) == true
    }

    /// Marks the open backing `fd` (at `path`, for the error).
    static func set(_ fd: Int32, path: String) throws(DriverError) {
        let value = Array("1".utf8)
        let rc = pvd_fsetxattr(fd, attribute, value, value.count)
        if rc < 0 { throw DriverError.system("fsetxattr \(attribute) on", path, errno: -rc) }
    }

    /// Marks the file at `path` (not following a symlink).
    static func set(file path: String) throws(DriverError) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DriverError.system("open", path, errno: errno) }
        defer { close(fd) }
        try set(fd, path: path)
    }

    /// Whether the open backing `fd` carries the mark; `visible` is `canSee()`.
    static func state(_ fd: Int32, visible: Bool) -> State {
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = pvd_fgetxattr(fd, attribute, &buffer, buffer.count)
        if n >= 0 { return .recorded }
        let e = Int32(-n)
        if e == ERANGE { return .recorded }  // there, just longer than we read
        return e == ENODATA && visible ? .absent : .unknown(e)
    }

    /// `state` of the file at `path` (not following a symlink).
    static func state(file path: String, visible: Bool) -> State {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .unknown(errno) }
        defer { close(fd) }
        return state(fd, visible: visible)
    }
}
