#if canImport(Glibc)
import Glibc
#endif

extension LibMountMounter {
    public func bind(source: String, target: String, readOnly: Bool) throws(DriverError) {
        try mount(source: source, target: target, fsType: nil, options: ["bind"])
        do {
            // A bind of a mount in a shared peer group joins that group: a mount made later
            // inside the volume would show up in the Pod, and one made inside the Pod's path
            // would show up in the volume and at every other Pod's bind. The kubelet's default
            // (mountPropagation: None) is a private bind; so is ours. Per bind, not once for
            // <root>/pods: that would add a mount of its own to keep (and remake after a reboot)
            // and would not cover a bind made while it is missing.
            try makePrivate(target)
            if readOnly { try remount(target: target, readOnly: true) }
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
        var flags = UInt(MS_REMOUNT | MS_BIND)
        for (st, ms) in Self.keptFlags where info.f_flag & st != 0 { flags |= ms }
        if readOnly { flags |= UInt(MS_RDONLY) }
        guard Glibc.mount(nil, target, nil, flags, nil) == 0 else {
            let e = errno
            throw DriverError(Self.code(forErrno: e),
                              "remount \(target) \(readOnly ? "read-only" : "read-write"): \(String(cString: strerror(e))) (errno \(e))", errno: e)
        }
    }

    /// statvfs's ST_* flags and the mount(2) MS_* flags they come from. Most share their bit,
    /// but not all: ST_RELATIME is 0x1000, which as a mount flag is MS_BIND; MS_RELATIME is 1<<21.
    static let keptFlags: [(st: UInt, ms: UInt)] = [
        (0x2, UInt(MS_NOSUID)),        // ST_NOSUID
        (0x4, UInt(MS_NODEV)),         // ST_NODEV
        (0x8, UInt(MS_NOEXEC)),        // ST_NOEXEC
        (0x400, UInt(MS_NOATIME)),     // ST_NOATIME
        (0x800, UInt(MS_NODIRATIME)),  // ST_NODIRATIME
        (0x1000, UInt(MS_RELATIME)),   // ST_RELATIME
    ]

    /// Makes the mount at `target` private (MS_PRIVATE): it neither sends nor receives mount events.
    func makePrivate(_ target: String) throws(DriverError) {
        guard Glibc.mount(nil, target, nil, UInt(MS_PRIVATE), nil) == 0 else {
            let e = errno
            throw DriverError(Self.code(forErrno: e), "make \(target) private: \(String(cString: strerror(e))) (errno \(e))", errno: e)
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
