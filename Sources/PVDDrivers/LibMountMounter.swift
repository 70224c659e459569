import CLibMount

#if canImport(Glibc)
import Glibc
#endif

/// Mounts and unmounts through libmount's context API (`mnt_context_mount()`,
/// `mnt_context_umount()`) and reads what is mounted from /proc/self/mountinfo
/// (`mnt_new_table_from_file()`, `mnt_table_find_target()`).
///
/// Each call uses a fresh context: no fstab or mtab options are merged in and no
/// /sbin/mount.<type> helper runs, so a mount is exactly the source, target, type and options
/// given. Propagation is left as the kernel sets it. A read-only bind mount ("bind", "ro") is
/// the bind plus the remount libmount does after it.
public struct LibMountMounter: Mounter {
    /// The mount table read by `mountedSource(at:)`.
    public var mountInfoPath: String

    public init(mountInfoPath: String = "/proc/self/mountinfo") {
        self.mountInfoPath = mountInfoPath
    }

    public func mount(source: String, target: String, fsType: String?, options: [String]) throws(DriverError) {
        let what = "mount \(source) on \(target) (\(fsType ?? (options.contains("bind") || options.contains("rbind") ? "bind" : "auto")))"
        guard !source.isEmpty, target.hasPrefix("/") else {
            throw DriverError(.invalid, "\(what): source must be given and target must be an absolute path")
        }
        let context = try LibMountContext()
        try check(context.setSource(source), what, "mnt_context_set_source")
        try check(context.setTarget(target), what, "mnt_context_set_target")
        if let fsType {
            try check(context.setFilesystemType(fsType), what, "mnt_context_set_fstype")
        }
        let optionString = MountOptionList.join(options)
        if !optionString.isEmpty {
            try check(context.setOptions(optionString), what, "mnt_context_set_options")
        }
        let rc = context.mount()
        if rc != 0 {
            throw Self.failure(what, rc: rc, syscallErrno: context.syscallErrno, explanation: context.explanation(returnCode: rc))
        }
    }

    public func unmount(target: String) throws(DriverError) {
        let what = "umount \(target)"
        guard target.hasPrefix("/") else {
            throw DriverError(.invalid, "\(what): target must be an absolute path")
        }
        // Only ever unmount something mounted exactly at the target: a path that does not exist
        // or is no mount point is already unmounted, and libmount is never asked to guess.
        guard let canonical = try Self.canonicalPath(target),
              try LibMountTable(file: mountInfoPath).entry(mountedAt: canonical) != nil
        else { return }
        // EBUSY is retried for a moment: a process that holds a file on the volume only briefly
        // (a child that inherited a descriptor while it was open, a scan) lets go within it; a
        // volume really in use is still busy at the end, and that is thrown.
        var attempt = 0
        while true {
            attempt += 1
            let context = try LibMountContext()
            try check(context.setTarget(canonical), what, "mnt_context_set_target")
            let rc = context.umount()
            if rc == 0 { return }
            let error = Self.failure(what, rc: rc, syscallErrno: context.syscallErrno, explanation: context.explanation(returnCode: rc))
            // Unmounted by someone else between the lookup and the call.
            if error.errno == EINVAL || error.errno == ENOENT { return }
            guard error.errno == EBUSY, attempt < Self.busyAttempts else { throw error }
            usleep(Self.busyPause)
        }
    }

    /// How often, and how far apart (microseconds), a busy unmount is tried: about a second.
    static let busyAttempts = 20
    static let busyPause: useconds_t = 50_000

    public func mountedSource(at target: String) throws(DriverError) -> MountInfo? {
        guard let canonical = try Self.canonicalPath(target) else { return nil }
        return try LibMountTable(file: mountInfoPath).entry(mountedAt: canonical)
    }

    /// `realpath(3)` of `path`, or nil when the path (or a directory on the way) does not exist.
    static func canonicalPath(_ path: String) throws(DriverError) -> String? {
        guard let resolved = realpath(path, nil) else {
            let e = errno
            if e == ENOENT || e == ENOTDIR { return nil }
            throw DriverError.system("realpath", path, errno: e)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Turns a failed libmount call into a DriverError: the syscall's errno when mount(2) or
    /// umount(2) failed, the negative errno libmount returned when it failed before the call,
    /// and libmount's explanation for its own `MNT_ERR_*` codes.
    static func failure(_ what: String, rc: Int32, syscallErrno: Int32?, explanation: String?) -> DriverError {
        let e: Int32? = syscallErrno ?? (rc < 0 ? -rc : (rc > 0 && rc < 4096 ? rc : nil))
        guard let e else {
            return DriverError(.system, "\(what): \(explanation ?? "libmount error \(rc)")")
        }
        var message = "\(what): \(String(cString: strerror(e))) (errno \(e))"
        if let explanation { message += " — \(explanation)" }
        return DriverError(code(forErrno: e), message, errno: e)
    }

    static func code(forErrno e: Int32) -> DriverError.Code {
        switch e {
        case EBUSY: .busy
        case ENOENT, ENOTDIR: .notFound
        case EINVAL: .invalid
        case ENODEV: .unsupported
        case ENOSPC: .noSpace
        default: .system
        }
    }
}

/// A libmount setter's result: 0, or a negative errno.
private func check(_ rc: Int32, _ what: String, _ call: String) throws(DriverError) {
    guard rc != 0 else { return }
    let e = rc < 0 ? -rc : EINVAL
    throw DriverError(LibMountMounter.code(forErrno: e), "\(what): \(call): \(String(cString: strerror(e))) (errno \(e))", errno: e)
}
