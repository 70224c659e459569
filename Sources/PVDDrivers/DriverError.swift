#if canImport(Glibc)
import Glibc
#endif

/// Why a driver operation failed: a code callers can act on, a message that names the volume,
/// path or device, and the errno or tool output behind it.
public struct DriverError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The request or a class parameter is unusable (bad fsType, relative path, Block on hostPath…).
        case invalid
        /// Not enough space for the volume.
        case noSpace
        /// The thing exists in a shape pvd will not touch (a symlink, another mount, a path outside the roots).
        case refused
        /// Not found where it should be.
        case notFound
        /// Busy (a mount still in use, a device still attached).
        case busy
        /// The system call or tool failed.
        case system
        /// This kernel or filesystem cannot do it (no project quotas, no LOOP_CONFIGURE).
        case unsupported
    }
    public var code: Code
    public var message: String
    /// The errno of a failed system call, if that is what failed.
    public var errno: Int32?
    /// Set by an expansion whose image and device grew but whose filesystem waits until nothing
    /// uses the volume (an offline grow refused because it is mounted elsewhere or busy): what
    /// Kubernetes shows as the claim condition FileSystemResizePending.
    public var filesystemResizePending = false

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// A failed system call: "<what> <path>: <strerror> (errno N)".
    public static func system(_ what: String, _ path: String, errno e: Int32) -> DriverError {
        let text = String(cString: strerror(e))
        return DriverError(e == ENOSPC ? .noSpace : (e == EBUSY ? .busy : .system), "\(what) \(path): \(text) (errno \(e))", errno: e)
    }

    public var description: String { message }
}
