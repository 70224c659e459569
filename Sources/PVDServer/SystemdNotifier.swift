#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (`Type=notify`) without libsystemd: one datagram, such as
/// "READY=1", to the unix socket named by `$NOTIFY_SOCKET` (a path, or "@name" for the
/// abstract namespace). Nothing happens when the variable is unset.
public enum SystemdNotifier {
    /// Sends `state`; false when there is no socket to send to or the send failed.
    @discardableResult
    public static func notify(_ state: String, socketPath: String? = nil) -> Bool {
        guard let path = socketPath ?? getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !path.isEmpty else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let sent = state.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), sa, length)
                }
            }
        }
        return sent == state.utf8.count
    }
}
