#if canImport(Glibc)
import Glibc
#endif

/// A directory descriptor pvd opened (with `openat2(2)` or `open(2)`), closed by `close(2)`
/// when the last reference goes; `path` is for messages only, never for lookups.
public final class OpenDirectory {
    public let fd: Int32
    public let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit {
        // Linux releases the descriptor even when close reports an error, so there is nothing to retry.
        _ = close(fd)
    }
}
