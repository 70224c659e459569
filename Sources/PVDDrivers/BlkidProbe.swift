#if canImport(Glibc)
import Glibc
#endif

/// Says what a device or image file already holds, through libblkid's low-level probing
/// (`blkid_new_probe_from_filename()`, `blkid_do_safeprobe()`, `blkid_probe_lookup_value()`
/// of TYPE, then PTTYPE).
///
/// Filesystems, swap, LVM and RAID members come back as their TYPE ("ext4", "swap",
/// "LVM2_member"), partition tables as their PTTYPE ("dos", "gpt"). When signatures disagree
/// the answer is "ambiguous (<types>)", never nil: nil means nothing was found, and only then
/// may a caller format.
public struct BlkidProbe: FilesystemProbe {
    public init() {}

    public func probe(_ path: String) throws(DriverError) -> String? {
        let probe = try BlkidProbeHandle(path: path)
        let rc = probe.enable(partitions: true)
        if rc != 0 {
            let e = errno == 0 ? EINVAL : errno
            throw DriverError.system("blkid setup", path, errno: e)
        }
        switch probe.safeProbe() {
        case .found:
            // Something was found, so never answer nil even without a readable type.
            return probe.value("TYPE") ?? probe.value("PTTYPE") ?? "unknown"
        case .nothing:
            return nil
        case .ambivalent:
            return Self.ambiguous(path)
        case .failed(let e):
            throw DriverError.system("blkid probe", path, errno: e)
        }
    }

    /// Names the rival signatures by walking them with `blkid_do_probe()` on a fresh probe.
    /// Any failure here still yields "ambiguous": the device holds something either way.
    private static func ambiguous(_ path: String) -> String {
        var types: [String] = []
        if let probe = try? BlkidProbeHandle(path: path), probe.enable(partitions: false) == 0 {
            while types.count < 8, case .found = probe.nextProbe() {
                if let type = probe.value("TYPE"), !types.contains(type) { types.append(type) }
            }
        }
        return types.isEmpty ? "ambiguous" : "ambiguous (\(types.joined(separator: ", ")))"
    }
}
