#if canImport(Glibc)
import Glibc
#endif

extension LibMountMounter {
    public func bind(source: String, target: String, readOnly: Bool) throws(DriverError) {
        try mount(source: source, target: target, fsType: nil, options: ["bind"])
        guard readOnly else { return }
        do {
            try remount(target: target, readOnly: true)
        } catch {
            // Never leave a writable bind where a read-only one was asked for.
            _ = try? unmount(exactly: target)
            throw error
        }
    }

    public func remount(target: String, readOnly: Bool) throws(DriverError) {
        // A bind remount replaces the per-mount flags: carry over the ones the mount has now
        // (inherited from the source's mount), or it would silently lose nosuid or nodev.
        var info = statvfs()
        guard statvfs(target, &info) == 0 else { throw DriverError.system("statvfs", target, errno: errno) }
        // statvfs's ST_NOSUID, ST_NODEV, ST_NOEXEC, ST_NOATIME, ST_NODIRATIME and ST_RELATIME
        // are the MS_* bits of the same names (the kernel builds f_flag from the mount flags).
        let kept: UInt = 0x2 | 0x4 | 0x8 | 0x400 | 0x800 | 0x1000
        var flags = UInt(MS_REMOUNT | MS_BIND) | (info.f_flag & kept)
        if readOnly { flags |= UInt(MS_RDONLY) }
        guard Glibc.mount(nil, target, nil, flags, nil) == 0 else {
            let e = errno
            throw DriverError(Self.code(forErrno: e),
                              "remount \(target) \(readOnly ? "read-only" : "read-write"): \(String(cString: strerror(e))) (errno \(e))", errno: e)
        }
    }

    @discardableResult
    public func unmount(exactly path: String) throws(DriverError) -> Bool {
        guard path.hasPrefix("/") else { throw DriverError(.invalid, "umount \(path): must be an absolute path") }
        var rc: Int32
        repeat { rc = umount2(path, Int32(UMOUNT_NOFOLLOW)) } while rc != 0 && errno == EINTR
        if rc == 0 { return true }
        let e = errno
        if e == EINVAL || e == ENOENT { return false }
        throw DriverError(Self.code(forErrno: e), "umount \(path): \(String(cString: strerror(e))) (errno \(e))", errno: e)
    }
}
