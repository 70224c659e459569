#if canImport(Glibc)
import Glibc
#endif

/// Why the pod runtime could not do something, with what a user needs to act on it: the
/// image, container or path, and for a failed system call its errno.
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The request is unusable (a bad image name, a subPath outside its volume).
        case invalid
        /// An image, container or file that should exist does not.
        case notFound
        /// A name is taken already.
        case alreadyExists
        /// A tool (runc, skopeo, umoci) or system call failed.
        case system
        /// This machine cannot do it (runc missing).
        case unsupported
    }

    public var code: Code
    public var message: String
    public var errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// A failed system call: "<what> <path>: <strerror> (errno N)".
    public static func system(_ what: String, _ path: String, errno e: Int32) -> RuntimeError {
        RuntimeError(e == ENOENT ? .notFound : .system, "\(what) \(path): \(String(cString: strerror(e))) (errno \(e))", errno: e)
    }

    public var description: String { message }
}
