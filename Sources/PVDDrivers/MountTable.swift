import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// One line of /proc/self/mountinfo, as far as pvd needs it.
public struct MountInfoEntry: Sendable, Hashable {
    public var id: UInt64
    public var mountPoint: String
    public var fsType: String
    public var source: String
    /// The filesystem's device, as mountinfo's `major:minor` field gives it (`makedev`).
    public var device: UInt64 = 0
    /// The directory of that filesystem the mount shows (`/` for a whole filesystem, the bound
    /// directory's path inside its filesystem for a bind mount).
    public var root: String = "/"
    /// Per-mount options (field 6) and superblock options (after the fsType and source),
    /// together: XFS and ext4 list their quota options among the latter.
    public var options: [String]
}

/// Finds the mount a file is on: its mount id from `statx(2)` (`STATX_MNT_ID`), looked up in
/// /proc/self/mountinfo. Matching by id, not by the longest path prefix, stays right with
/// bind mounts and stacked mounts.
public enum MountTable {
    /// The mount that the open file `fd` (shown as `path` in errors) is on.
    public static func entry(of fd: Int32, path: String) throws(DriverError) -> MountInfoEntry {
        var id: UInt64 = 0
        let rc = pvd_mount_id(fd, &id)
        if rc < 0 { throw DriverError.system("statx", path, errno: -rc) }
        let text = try readMountInfo()
        for line in text.split(separator: "\n") {
            if let entry = parse(line), entry.id == id { return entry }
        }
        throw DriverError(.notFound, "mount \(id) of \(path) is not in /proc/self/mountinfo")
    }

    /// Parses one mountinfo line: `id parent major:minor root mountpoint options [optional…] - fstype source superoptions`.
    public static func parse(_ line: Substring) -> MountInfoEntry? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let id = UInt64(fields[0]), let dash = fields.firstIndex(of: "-"),
              dash >= 6, fields.count > dash + 2 else { return nil }
        var options = fields[5].split(separator: ",").map(String.init)
        if fields.count > dash + 3 {
            options += fields[dash + 3].split(separator: ",").map(String.init)
        }
        let numbers = fields[2].split(separator: ":")
        var device: UInt64 = 0
        if numbers.count == 2, let major = UInt64(numbers[0]), let minor = UInt64(numbers[1]) {
            device = makeDevice(major: major, minor: minor)
        }
        return MountInfoEntry(
            id: id, mountPoint: unescape(fields[4]), fsType: String(fields[dash + 1]),
            source: unescape(fields[dash + 2]), device: device, root: unescape(fields[3]), options: options)
    }

    /// glibc's `makedev`: the `st_dev` value of a `major:minor` pair (a C macro Swift cannot call).
    public static func makeDevice(major: UInt64, minor: UInt64) -> UInt64 {
        ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
    }

    /// glibc's `major` and `minor` of a device number: `makeDevice` undone.
    public static func deviceNumbers(_ dev: UInt64) -> (major: UInt64, minor: UInt64) {
        (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff), ((dev >> 12) & 0xffff_ff00) | (dev & 0xff))
    }

    /// The kernel writes space, tab, newline and backslash in paths as `\ooo` octal escapes.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
               let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every mount this process sees, read to the end of /proc/self/mountinfo (a procfs file
    /// reports size 0, and readers that trust the size stop after the first page).
    public static func entries() throws(DriverError) -> [MountInfoEntry] {
        try readMountInfo().split(separator: "\n").compactMap(parse)
    }

    static func readMountInfo() throws(DriverError) -> String {
        let path = "/proc/self/mountinfo"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DriverError.system("open", path, errno: errno) }
        defer { _ = close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DriverError.system("read", path, errno: errno)
            }
            if n == 0 { break }
            data += buffer[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }
}
