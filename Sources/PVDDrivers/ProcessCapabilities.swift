#if canImport(Glibc)
import Glibc
#endif

/// The effective capability set of this process, read from the "CapEff:" line of
/// /proc/self/status (a hex mask, bit N = capability N as in <linux/capability.h>).
struct ProcessCapabilities: Sendable, Equatable {
    /// CAP_SYS_RESOURCE: needed by ext4 online resize, and missing in some sandboxes.
    static let sysResource = 24

    var effective: UInt64

    func contains(bit: Int) -> Bool { effective & (UInt64(1) << UInt64(bit)) != 0 }

    /// The current process's set, or nil when /proc/self/status cannot be read or parsed.
    static func current(statusPath: String = "/proc/self/status") -> ProcessCapabilities? {
        let fd = open(statusPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += buffer[0..<n]
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses the text of a /proc/<pid>/status file.
    static func parse(_ status: String) -> ProcessCapabilities? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).filter { !$0.isWhitespace }
            return UInt64(hex, radix: 16).map { ProcessCapabilities(effective: $0) }
        }
        return nil
    }
}
