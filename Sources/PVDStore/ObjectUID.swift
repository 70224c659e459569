#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The uid a store gives every object it creates: a random (version 4) UUID in lowercase, as
/// Kubernetes writes them.
///
/// Foundation's `UUID()` reads the kernel's random source afresh for each one, which for a
/// 300,000-object apply was most of a second; these come from a pool refilled by one read
/// of the kernel's random source per 256 uids.
public enum ObjectUID {
    private static let pool = Mutex(RandomPool())

    /// A new uid, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
    public static func make() -> String {
        var raw = pool.withLock { $0.take16() }
        raw.6 = (raw.6 & 0x0f) | 0x40  // version 4
        raw.8 = (raw.8 & 0x3f) | 0x80  // the RFC 4122 variant
        return withUnsafeBytes(of: raw) { bytes in
            let hex: StaticString = "0123456789abcdef"
            return String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (i, byte) in bytes.enumerated() {
                    if i == 4 || i == 6 || i == 8 || i == 10 {
                        out[o] = UInt8(ascii: "-")
                        o += 1
                    }
                    out[o] = hex.utf8Start[Int(byte >> 4)]
                    out[o + 1] = hex.utf8Start[Int(byte & 0x0f)]
                    o += 2
                }
                return o
            }
        }
    }

    private struct RandomPool {
        private var buffer = [UInt8](repeating: 0, count: 4096)
        private var used = 4096

        typealias Sixteen = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                             UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

        mutating func take16() -> Sixteen {
            if used + 16 > buffer.count { refill() }
            defer { used += 16 }
            return buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: used, as: Sixteen.self) }
        }

        private mutating func refill() {
            var filled = 0
            buffer.withUnsafeMutableBytes { b in
                let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    defer { close(fd) }
                    while filled < b.count {
                        let n = read(fd, b.baseAddress! + filled, b.count - filled)
                        if n > 0 { filled += n } else if n == 0 || errno != EINTR { break }
                    }
                }
                // No /dev/urandom (a chroot without /dev): the system generator still gives
                // good bytes, a call at a time.
                var g = SystemRandomNumberGenerator()
                while filled < b.count {
                    b[filled] = UInt8.random(in: 0...255, using: &g)
                    filled += 1
                }
            }
            used = 0
        }
    }
}
