#if canImport(Glibc)
import Glibc
#endif

/// Makes and grows filesystems by running the system's tools through swift-subprocess:
/// `mkfs.<type> -q [options] <device>`, `resize2fs <device>` (ext2/3/4, online when mounted),
/// `xfs_growfs -d <mountPoint>`, `btrfs filesystem resize max <mountPoint>`; unmounted ext4 with
/// `e2fsck -f -y <device>` and `resize2fs <device>`.
///
/// mkfs is never forced (no -F/-f of its own), and `makeFilesystem` probes the device first and
/// refuses one that holds anything: mkfs.xfs and mkfs.btrfs would refuse too, but mkfs.ext4
/// run without a terminal formats over an existing filesystem without asking. A failure
/// quotes the command and the tool's stderr.
public struct SystemFilesystemTools: FilesystemTools {
    /// The types pvd makes, in the order `supportedTypes()` lists them.
    public static let knownTypes = ["ext4", "xfs", "btrfs"]

    /// Asked before every mkfs; anything it finds stops the format.
    public var probe: any FilesystemProbe

    public init(probe: any FilesystemProbe = BlkidProbe()) {
        self.probe = probe
    }

    public func makeFilesystem(type: String, device: String, options: [String]) async throws(DriverError) {
        let kind = try Kind(type)
        try Self.requireAbsolute(device, "mkfs.\(type)")
        if let found = try probe.probe(device) {
            throw DriverError(.refused, "mkfs.\(type) \(device): refusing to format, it already holds \(found)")
        }
        try await ToolInvocation(tool: "mkfs.\(type)", arguments: kind.mkfsDefaults + options + [device]).run()
    }

    public func growFilesystem(type: String, device: String, mountPoint: String) async throws(DriverError) {
        let kind = try Kind(type)
        let invocation: ToolInvocation
        switch kind {
        case .ext:
            try Self.requireAbsolute(device, "resize2fs")
            // The kernel's online resize (EXT4_IOC_RESIZE_FS) wants CAP_SYS_RESOURCE; without it
            // resize2fs only says "Permission denied to resize filesystem". Say why instead.
            if ProcessCapabilities.current()?.contains(bit: ProcessCapabilities.sysResource) == false {
                throw DriverError(
                    .unsupported,
                    "resize2fs \(device): growing a mounted ext4 needs CAP_SYS_RESOURCE, which this process does not have",
                    errno: EPERM)
            }
            invocation = ToolInvocation(tool: "resize2fs", arguments: [device])
        case .xfs:
            try Self.requireAbsolute(mountPoint, "xfs_growfs")
            invocation = ToolInvocation(tool: "xfs_growfs", arguments: ["-d", mountPoint])
        case .btrfs:
            try Self.requireAbsolute(mountPoint, "btrfs filesystem resize")
            invocation = ToolInvocation(tool: "btrfs", arguments: ["filesystem", "resize", "max", mountPoint])
        }
        try await invocation.run()
    }

    public func growUnmountedFilesystem(type: String, device: String) async throws(DriverError) {
        guard case .ext = try Kind(type) else {
            throw DriverError(.unsupported, "\(type) on \(device): pvd grows xfs and btrfs only while mounted")
        }
        try Self.requireAbsolute(device, "resize2fs")
        // resize2fs refuses an unmounted filesystem not checked since it was last mounted.
        // e2fsck exits 1 when it corrected something, which is still a clean filesystem.
        try await ToolInvocation(tool: "e2fsck", arguments: ["-f", "-y", device], successCodes: [0, 1]).run()
        try await ToolInvocation(tool: "resize2fs", arguments: [device]).run()
    }

    public func supportedTypes() -> [String] {
        Self.knownTypes.filter { ToolInvocation.locate("mkfs.\($0)") != nil }
    }

    /// Options that stop mkfs from discarding the device first. Discarding a loop device punches
    /// holes in its backing file, so a preallocated image made with these keeps its blocks.
    public static func noDiscardOptions(type: String) -> [String] {
        switch type {
        case "ext2", "ext3", "ext4": ["-E", "nodiscard"]
        case "xfs", "btrfs": ["-K"]
        default: []
        }
    }

    /// Device paths and mount points must be absolute: a name starting with "-" would be read
    /// as an option.
    private static func requireAbsolute(_ path: String, _ tool: String) throws(DriverError) {
        guard path.hasPrefix("/") else {
            throw DriverError(.invalid, "\(tool) \(path): not an absolute path")
        }
    }

    /// A filesystem family pvd knows how to make and grow.
    private enum Kind {
        case ext, xfs, btrfs

        init(_ type: String) throws(DriverError) {
            switch type {
            case "ext2", "ext3", "ext4": self = .ext
            case "xfs": self = .xfs
            case "btrfs": self = .btrfs
            default: throw DriverError(.unsupported, "filesystem type \"\(type)\" is not one of ext4, xfs, btrfs")
            }
        }

        /// Quiet, nothing more: measured on a 1 GiB sparse loop device, mke2fs's defaults are as
        /// fast as with lazy_journal_init (both well under 0.1 s), and they zero the journal.
        var mkfsDefaults: [String] { ["-q"] }
    }
}
