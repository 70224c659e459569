import CLibMount

#if canImport(Glibc)
import Glibc
#endif

/// One libmount mount or umount operation: a `struct libmnt_context` from `mnt_new_context()`,
/// freed with `mnt_free_context()` when the value goes away. Not copyable, so the handle has
/// exactly one owner; it is used on one thread for one call and never shared.
struct LibMountContext: ~Copyable {
    private let handle: OpaquePointer

    /// `mnt_new_context()`, set up for pvd: no fstab or mtab lookups (`MNT_OMODE_NOTAB`), so an
    /// fstab line for the same target cannot add options, and no /sbin/mount.<type> helpers, so
    /// every mount is one `mount(2)` whose errno is ours to report.
    init() throws(DriverError) {
        guard let handle = mnt_new_context() else {
            throw DriverError(.system, "mnt_new_context: \(String(cString: strerror(ENOMEM))) (errno \(ENOMEM))", errno: ENOMEM)
        }
        self.handle = handle
        // Both calls only set a field of a context we just made; they cannot fail.
        _ = mnt_context_set_optsmode(handle, Int32(MNT_OMODE_NOTAB))
        _ = mnt_context_disable_helpers(handle, 1)
    }

    deinit { mnt_free_context(handle) }

    /// `mnt_context_set_source()`.
    func setSource(_ source: String) -> Int32 { mnt_context_set_source(handle, source) }
    /// `mnt_context_set_target()`.
    func setTarget(_ target: String) -> Int32 { mnt_context_set_target(handle, target) }
    /// `mnt_context_set_fstype()`.
    func setFilesystemType(_ type: String) -> Int32 { mnt_context_set_fstype(handle, type) }
    /// `mnt_context_set_options()`: a comma-separated option string.
    func setOptions(_ options: String) -> Int32 { mnt_context_set_options(handle, options) }

    /// `mnt_context_mount()`: 0, a positive syscall errno, a negative errno, or an `MNT_ERR_*` code.
    func mount() -> Int32 { mnt_context_mount(handle) }
    /// `mnt_context_umount()`, same return convention as `mount()`.
    func umount() -> Int32 { mnt_context_umount(handle) }

    /// The errno of the failed mount(2)/umount(2), or nil when libmount failed before the call.
    /// (`mnt_context_syscall_called()`, `mnt_context_get_syscall_errno()`)
    var syscallErrno: Int32? {
        guard mnt_context_syscall_called(handle) == 1 else { return nil }
        let e = mnt_context_get_syscall_errno(handle)
        return e == 0 ? nil : e
    }

    /// libmount's own explanation of a failure (`mnt_context_get_excode()`), the text mount(8)
    /// prints, or nil when it has none.
    func explanation(returnCode rc: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = buffer.withUnsafeMutableBufferPointer { buf in
            mnt_context_get_excode(handle, rc, buf.baseAddress, buf.count)
        }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.isEmpty ? nil : text
    }
}
