import CLibBlkid

#if canImport(Glibc)
import Glibc
#endif

/// One libblkid low-level probe on a file or device: a `blkid_probe` from
/// `blkid_new_probe_from_filename()` (which opens the path read-only), freed with
/// `blkid_free_probe()`, which also closes it. Not copyable; lives for one probe.
struct BlkidProbeHandle: ~Copyable {
    private let handle: blkid_probe

    /// The outcome of `blkid_do_safeprobe()` / `blkid_do_probe()`.
    enum Outcome {
        case found
        case nothing
        /// More than one signature claims the device (safeprobe's -2).
        case ambivalent
        case failed(Int32)
    }

    init(path: String) throws(DriverError) {
        errno = 0
        guard let handle = blkid_new_probe_from_filename(path) else {
            let e = errno == 0 ? EIO : errno
            throw DriverError(e == ENOENT ? .notFound : .system, "blkid open \(path): \(String(cString: strerror(e))) (errno \(e))", errno: e)
        }
        self.handle = handle
    }

    deinit { blkid_free_probe(handle) }

    /// Enables the superblocks chain reporting TYPE (`blkid_probe_enable_superblocks()`,
    /// `blkid_probe_set_superblocks_flags(BLKID_SUBLKS_TYPE)`) and, when asked, the partitions
    /// chain (`blkid_probe_enable_partitions()`), which reports PTTYPE.
    func enable(partitions: Bool) -> Int32 {
        var rc = blkid_probe_enable_superblocks(handle, 1)
        if rc == 0 { rc = blkid_probe_set_superblocks_flags(handle, BLKID_SUBLKS_TYPE) }
        if rc == 0 { rc = blkid_probe_enable_partitions(handle, partitions ? 1 : 0) }
        return rc
    }

    /// `blkid_do_safeprobe()`: every enabled chain, refusing to pick between rival signatures.
    func safeProbe() -> Outcome { Self.outcome(blkid_do_safeprobe(handle)) }

    /// `blkid_do_probe()`: the next signature; called again, the one after it.
    func nextProbe() -> Outcome { Self.outcome(blkid_do_probe(handle)) }

    /// `blkid_probe_lookup_value()` of a result ("TYPE", "PTTYPE").
    func value(_ name: String) -> String? {
        var data: UnsafePointer<CChar>?
        guard blkid_probe_lookup_value(handle, name, &data, nil) == 0, let data else { return nil }
        let text = String(cString: data)
        return text.isEmpty ? nil : text
    }

    private static func outcome(_ rc: Int32) -> Outcome {
        switch rc {
        case 0: .found
        case 1: .nothing
        case -2: .ambivalent
        default: .failed(errno == 0 ? EIO : errno)
        }
    }
}
